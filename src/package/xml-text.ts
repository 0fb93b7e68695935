import { PackageError } from './package-errors.ts';

/**
 * install.rdf bytes ⇄ text. Only UTF-8 is accepted (with or without a BOM, which is remembered so
 * a rewritten file keeps it). A document declaring another encoding is still fine while it is pure
 * ASCII, because then every ASCII-compatible encoding reads the same characters.
 */
export interface DecodedXml {
  text: string;
  bom: boolean;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function invalid(message: string, cause?: unknown): PackageError {
  return new PackageError('INSTALL_RDF_INVALID', message, cause === undefined ? undefined : { cause });
}

export function decodeXmlText(bytes: Buffer, what = 'install.rdf'): DecodedXml {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw invalid(`${what} is saved as UTF-16. Save it as UTF-8.`);
  }
  const bom = bytes.subarray(0, 3).equals(UTF8_BOM);
  const body = bom ? bytes.subarray(3) : bytes;
  if (body.subarray(0, 3).equals(UTF8_BOM) || body.subarray(0, 2).equals(Buffer.from([0xff, 0xfe])) || body.subarray(0, 2).equals(Buffer.from([0xfe, 0xff]))) {
    // Parsers differ on whether a second mark is content or noise; refuse rather than guess.
    throw new PackageError('XML_INVALID_CHARACTER', `${what} starts with two byte-order marks. Save it as UTF-8 with at most one.`);
  }
  // The declaration is ASCII in every encoding we could meet, so a latin1 peek reads it safely.
  const head = body.subarray(0, 200).toString('latin1');
  const declared = /^<\?xml[^>]*\sencoding\s*=\s*["']([^"']+)["']/.exec(head)?.[1]?.toLowerCase();
  const utf8Label = declared === undefined || declared === 'utf-8' || declared === 'utf8' || declared === 'us-ascii';
  if (!utf8Label && body.some((byte) => byte >= 0x80)) {
    throw invalid(`${what} declares encoding "${declared}" and contains non-ASCII text. Save it as UTF-8 and declare encoding="UTF-8".`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch (err) {
    throw invalid(`${what} is not valid UTF-8. Save it as UTF-8.`, err);
  }
  return { text, bom };
}

export function encodeXmlText(decoded: DecodedXml): Buffer {
  const body = Buffer.from(decoded.text, 'utf8');
  return decoded.bom ? Buffer.concat([UTF8_BOM, body]) : body;
}
