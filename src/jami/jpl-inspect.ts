import { decode } from '@msgpack/msgpack';
import { openZip, type ZipLimits, type ZipSource } from '../package/zip-reader.ts';
import { parseCertificates, type JamiCertificate } from './certificate.ts';
import { sniffImageType, type ImageType } from './image-type.ts';
import { JamiError } from './jami-errors.ts';
import { isLocaleLanguage, parseLocaleFile, type JplLocales } from './jpl-locale.ts';
import { parseJplManifest, type JplManifest } from './jpl-manifest.ts';

/**
 * Reads a .jpl into memory and describes it, without judging its signatures (verifyJpl does
 * that). Nothing is extracted to disk; archive-level problems (unsafe paths, bombs, corrupt
 * entries) are PackageError ZIP_* codes from openZip.
 */

export interface JplImage {
  /** Entry name, e.g. `data/icon.svg`. */
  readonly entry: string;
  readonly bytes: Buffer;
  /** Sniffed from the bytes; undefined when the file is not a PNG, JPEG, GIF, WebP or SVG. */
  readonly contentType: ImageType | undefined;
}

export type JplPlatform = 'desktop' | 'android';

export interface JplPackage {
  readonly manifest: JplManifest;
  /** Every entry name in archive order, directories (ending in `/`) included. */
  readonly entries: readonly string[];
  /** Uncompressed bytes of every entry; directories map to an empty buffer. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** The `<ABI>` of every `lib/<ABI>/` folder, sorted. */
  readonly abis: readonly string[];
  /** Store convention: desktop when an ABI names linux, windows or apple; otherwise android. */
  readonly platform: JplPlatform;
  /** `<id>.crt`. */
  readonly certificateEntry: string;
  /** The PEM chain in `<id>.crt`, plugin certificate first; empty when the file is missing. */
  readonly certificates: readonly JamiCertificate[];
  /** Raw bytes of `signatures` and `signatures.sig`, and the decoded map; undefined when missing. */
  readonly signaturesBytes: Buffer | undefined;
  readonly signaturesSig: Buffer | undefined;
  readonly signatures: ReadonlyMap<string, Buffer> | undefined;
  readonly locales: JplLocales;
  readonly icon: JplImage | undefined;
  readonly background: JplImage | undefined;
}

const MiB = 1024 * 1024;
/** JPLs carry native libraries, so entries may be large, but nothing like a whole disk. */
export const DEFAULT_JPL_LIMITS: Readonly<Partial<ZipLimits>> = Object.freeze({
  maxEntryUncompressedBytes: 64 * MiB,
  maxTotalUncompressedBytes: 256 * MiB,
});
const MAX_TEXT_BYTES = MiB;
const MAX_SIGNATURE_BYTES = 64 * 1024;
/** Far above 10,000 entries with 4096-bit signatures; a larger map is not worth decoding. */
const MAX_SIGNATURES_FILE_BYTES = 16 * MiB;

export const SIGNATURES_ENTRY = 'signatures';
export const SIGNATURES_SIG_ENTRY = 'signatures.sig';

function capped(bytes: Buffer, name: string, code: 'JPL_MANIFEST_INVALID' | 'JPL_LOCALE_INVALID'): Buffer {
  if (bytes.length > MAX_TEXT_BYTES) throw new JamiError(code, `${name} is ${bytes.length} bytes; at most ${MAX_TEXT_BYTES} are accepted.`);
  return bytes;
}

/** `signatures`: a msgpack map of entry name (str) → signature (bin), as Jami's packager writes. */
export function decodeSignatures(bytes: Buffer): Map<string, Buffer> {
  if (bytes.length > MAX_SIGNATURES_FILE_BYTES) {
    throw new JamiError('JPL_SIGNATURES_INVALID', `The "signatures" file is ${bytes.length} bytes; at most ${MAX_SIGNATURES_FILE_BYTES} are accepted.`);
  }
  const seen = new Set<string>();
  let decoded: unknown;
  try {
    decoded = decode(bytes, {
      maxBinLength: MAX_SIGNATURE_BYTES,
      mapKeyConverter: (key: unknown) => {
        if (typeof key !== 'string') throw new Error('a key is not a string');
        // A name listed twice could be read differently by another decoder; refuse it.
        if (seen.has(key)) throw new Error(`"${key}" is listed twice`);
        seen.add(key);
        return key;
      },
    });
  } catch (err) {
    throw new JamiError('JPL_SIGNATURES_INVALID', `The "signatures" file is not a msgpack map of file names to signatures (${(err as Error).message}). Sign the package again.`, { cause: err });
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded) || decoded instanceof Uint8Array) {
    throw new JamiError('JPL_SIGNATURES_INVALID', 'The "signatures" file is not a msgpack map. Sign the package again.');
  }
  const map = new Map<string, Buffer>();
  for (const [name, value] of Object.entries(decoded)) {
    if (!(value instanceof Uint8Array)) {
      throw new JamiError('JPL_SIGNATURES_INVALID', `The signature of ${name} in "signatures" is not binary data. Sign the package again.`);
    }
    map.set(name, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return map;
}

function abisOf(entries: readonly string[]): string[] {
  const abis = new Set<string>();
  for (const name of entries) {
    const m = /^lib\/([^/]+)\//.exec(name);
    if (!m) continue;
    const abi = m[1]!;
    if (!/^[A-Za-z0-9._-]+$/.test(abi) || abi.startsWith('.')) {
      throw new JamiError('JPL_ABI_INVALID', `The folder lib/${abi}/ is not a usable ABI name (letters, digits, ".", "_" and "-" only).`);
    }
    abis.add(abi);
  }
  return [...abis].sort();
}

export function platformOf(abis: readonly string[]): JplPlatform {
  return abis.some((abi) => /linux|windows|apple/i.test(abi)) ? 'desktop' : 'android';
}

function image(files: ReadonlyMap<string, Buffer>, entry: string): JplImage | undefined {
  const bytes = files.get(entry);
  return bytes === undefined ? undefined : { entry, bytes, contentType: sniffImageType(bytes) };
}

function localesOf(files: ReadonlyMap<string, Buffer>, id: string): JplLocales {
  const prefix = `data/locale/${id}_`;
  const locales: Record<string, Record<string, string>> = {};
  for (const [name, bytes] of files) {
    if (!name.startsWith(prefix) || !name.endsWith('.json')) continue;
    const lang = name.slice(prefix.length, -'.json'.length);
    if (isLocaleLanguage(lang)) locales[lang] = parseLocaleFile(capped(bytes, name, 'JPL_LOCALE_INVALID'), name);
  }
  return locales;
}

export async function inspectJpl(source: ZipSource, limits?: Partial<ZipLimits>): Promise<JplPackage> {
  const zip = await openZip(source, { ...DEFAULT_JPL_LIMITS, ...limits });
  const files = new Map<string, Buffer>();
  try {
    if (!zip.has('manifest.json')) {
      throw new JamiError('JPL_NO_MANIFEST', 'The package has no manifest.json at its top level. Zip the plugin folder\'s contents, not the folder.');
    }
    for (const entry of zip.entries) {
      // The daemon signs a directory entry over empty content, whatever the archive stores.
      files.set(entry.name, entry.isDirectory ? Buffer.alloc(0) : await zip.read(entry.name));
    }
  } finally {
    zip.close();
  }
  const manifest = parseJplManifest(capped(files.get('manifest.json')!, 'manifest.json', 'JPL_MANIFEST_INVALID'));
  const entries = zip.entries.map((e) => e.name);
  const abis = abisOf(entries);
  const certificateEntry = `${manifest.id}.crt`;
  const certBytes = files.get(certificateEntry);
  const signaturesBytes = files.get(SIGNATURES_ENTRY);
  return {
    manifest,
    entries,
    files,
    abis,
    platform: platformOf(abis),
    certificateEntry,
    certificates: certBytes ? parseCertificates(certBytes, 'JPL_CERT_INVALID', certificateEntry) : [],
    signaturesBytes,
    signaturesSig: files.get(SIGNATURES_SIG_ENTRY),
    signatures: signaturesBytes ? decodeSignatures(signaturesBytes) : undefined,
    locales: localesOf(files, manifest.id),
    icon: image(files, `data/${manifest.iconPath}`),
    background: image(files, `data/${manifest.backgroundPath}`),
  };
}
