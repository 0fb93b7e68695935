import { parseExtraFields, type Entry, type ExtraField, type LocalFileHeader } from 'yauzl';
import { ZIP } from '../limits.ts';
import { crc32 } from './crc32.ts';
import { PackageError } from './package-errors.ts';

/**
 * Archives that two ZIP readers could read differently are refused: a browser, the Jami daemon,
 * `unzip` and Outpost must all see the same files under the same names, or what Outpost checked is
 * not what a client installs.
 */

const EXTRA_UNICODE_PATH = 0x7075;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const ZIP64_MARKER = 0xffffffff;

/** Names Firefox's reader (PATH_MAX) or an extracting daemon (NAME_MAX per segment) would refuse. */
export function checkNameLength(name: string, byteLength: number): void {
  if (byteLength > ZIP.maxEntryNameBytes) {
    throw new PackageError(
      'ZIP_NAME_TOO_LONG',
      `An entry name is ${byteLength} bytes long; clients accept at most ${ZIP.maxEntryNameBytes}. Shorten "${name.slice(0, 60)}…".`,
    );
  }
  const long = name.split('/').find((segment) => Buffer.byteLength(segment) > ZIP.maxEntrySegmentBytes);
  if (long !== undefined) {
    throw new PackageError(
      'ZIP_NAME_TOO_LONG',
      `The entry "${name.slice(0, 60)}…" has a path part longer than ${ZIP.maxEntrySegmentBytes} bytes, which no file system can extract. Shorten it.`,
    );
  }
}

/**
 * The Info-ZIP Unicode Path field (0x7075) gives some readers another name for the entry. Outpost
 * and browsers read the header's name; an archive whose field names anything else is refused.
 */
export function checkUnicodePath(name: string, nameRaw: Buffer, extraFields: readonly ExtraField[]): void {
  for (const field of extraFields) {
    if (field.id !== EXTRA_UNICODE_PATH) continue;
    const data = field.data;
    const version = data.length >= 5 ? data.readUInt8(0) : -1;
    const headerCrc = data.length >= 5 ? data.readUInt32LE(1) : -1;
    let unicode: string | undefined;
    try {
      unicode = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(5));
    } catch {
      unicode = undefined;
    }
    // A field for another header name (stale CRC) is ignored by careful readers but not by all.
    if (version !== 1 || headerCrc !== crc32(nameRaw) >>> 0 || unicode !== name) {
      throw new PackageError(
        'ZIP_UNICODE_PATH_MISMATCH',
        `Entry "${name}" carries a Unicode Path field naming another path, so ZIP tools disagree on its name. Rebuild the archive with UTF-8 names.`,
      );
    }
  }
}

/** One file on Windows and macOS, two files in the archive: which one a client gets is a guess. */
export function checkCaseConflicts(names: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    const folded = name.normalize('NFC').toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined && other !== name) {
      throw new PackageError(
        'ZIP_NAME_CASE_CONFLICT',
        `The archive has both "${other}" and "${name}", which are one file on case-insensitive systems. Keep one.`,
      );
    }
    seen.set(folded, name);
  }
}

/**
 * Readers that stream through local headers (and some unzip tools) trust those instead of the
 * central directory; every entry's two headers must agree on what both state.
 */
export function checkLocalHeader(entry: Entry, name: string, local: LocalFileHeader): void {
  const mismatch = (what: string): PackageError =>
    new PackageError('ZIP_HEADER_MISMATCH', `The local header of "${name}" disagrees with the central directory (${what}). Rebuild the archive.`);
  if (!local.fileName.equals(entry.fileNameRaw)) throw mismatch('name');
  if (local.compressionMethod !== entry.compressionMethod) throw mismatch('compression method');
  if ((local.generalPurposeBitFlag & FLAG_ENCRYPTED) !== (entry.generalPurposeBitFlag & FLAG_ENCRYPTED)) throw mismatch('encryption flag');
  // Without a data descriptor the local header states CRC and sizes itself; a streaming reader
  // believes them. Zip64 entries keep theirs in an extra field that yauzl has already checked.
  if (!(local.generalPurposeBitFlag & FLAG_DATA_DESCRIPTOR) && local.compressedSize !== ZIP64_MARKER && local.uncompressedSize !== ZIP64_MARKER) {
    if (local.crc32 !== entry.crc32) throw mismatch('checksum');
    if (local.compressedSize !== entry.compressedSize || local.uncompressedSize !== entry.uncompressedSize) throw mismatch('sizes');
  }
  let localExtra: ExtraField[];
  try {
    localExtra = parseExtraFields(local.extraField);
  } catch (err) {
    throw new PackageError('ZIP_INVALID', `The local header of "${name}" has malformed extra fields.`, { cause: err });
  }
  checkUnicodePath(name, local.fileName, localExtra);
}
