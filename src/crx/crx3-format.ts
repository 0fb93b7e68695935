/**
 * The framing around a CRX3 header (chromium-extensions.md, "Packages (CRX3)"):
 *
 *     "Cr24" | uint32 LE 3 | uint32 LE header length | CrxFileHeader | ZIP
 *
 * and the bytes every proof signs:
 *
 *     "CRX3 SignedData\x00" | uint32 LE length of signed_header_data | signed_header_data | ZIP
 */

export const CRX3_MAGIC = Buffer.from('Cr24', 'latin1');
export const CRX3_VERSION = 3;
/** Magic, version and header length. */
export const CRX3_PREAMBLE_BYTES = 12;

const SIGNATURE_CONTEXT = Buffer.from('CRX3 SignedData\x00', 'latin1');

export function encodeCrx3Preamble(headerLength: number): Buffer {
  const preamble = Buffer.alloc(CRX3_PREAMBLE_BYTES);
  CRX3_MAGIC.copy(preamble, 0);
  preamble.writeUInt32LE(CRX3_VERSION, 4);
  preamble.writeUInt32LE(headerLength, 8);
  return preamble;
}

/** What each signature covers before the ZIP bytes. */
export function signedPrefix(signedHeaderData: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(signedHeaderData.length, 0);
  return Buffer.concat([SIGNATURE_CONTEXT, length, signedHeaderData]);
}
