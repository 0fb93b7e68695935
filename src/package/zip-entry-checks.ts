import { PackageError } from './package-errors.ts';
import type { ZipLimits } from './zip-limits.ts';

/** What the central directory says about an entry, as far as the safety checks need it. */
export interface DeclaredEntry {
  name: string;
  nameByteLength: number;
  compressedSize: number;
  uncompressedSize: number;
  compressionMethod: number;
  flags: number;
  localHeaderOffset: number;
}

const STORED = 0;
const DEFLATED = 8;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const LOCAL_HEADER_FIXED_SIZE = 30;

/**
 * Why a name could escape the extraction directory (or confuse another ZIP reader), or null.
 * yauzl's own check runs after it has turned backslashes into slashes, so we check the raw name.
 */
export function unsafePathReason(name: string): string | null {
  if (name === '') return 'an entry has an empty name';
  if (name.includes('\\')) return `entry "${name}" contains a backslash`;
  if (name.includes('\u0000')) return `entry "${JSON.stringify(name)}" contains a NUL byte`;
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return `entry "${name}" is an absolute path`;
  if (name.split('/').includes('..')) return `entry "${name}" contains a ".." path segment`;
  return null;
}

/** Checks one entry as soon as the central directory yields it, before anything is decompressed. */
export function checkDeclaredEntry(entry: DeclaredEntry, limits: ZipLimits): void {
  const unsafe = unsafePathReason(entry.name);
  if (unsafe) throw new PackageError('ZIP_UNSAFE_PATH', `The archive is unsafe: ${unsafe}. Rebuild it with relative paths only.`);
  if (entry.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
    throw new PackageError('ZIP_ENCRYPTED', `Entry "${entry.name}" is encrypted. Upload an archive without a password.`);
  }
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    throw new PackageError(
      'ZIP_UNSUPPORTED',
      `Entry "${entry.name}" uses compression method ${entry.compressionMethod}. Only stored and deflated entries are supported (browsers read nothing else).`,
    );
  }
  if (entry.uncompressedSize > limits.maxEntryUncompressedBytes) {
    throw new PackageError(
      'ZIP_BOMB',
      `Entry "${entry.name}" would unpack to ${entry.uncompressedSize} bytes, more than the limit of ${limits.maxEntryUncompressedBytes}.`,
    );
  }
  if (entry.uncompressedSize > limits.compressionRatioMinBytes) {
    const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
    if (ratio > limits.maxCompressionRatio) {
      throw new PackageError(
        'ZIP_BOMB',
        `Entry "${entry.name}" is compressed ${Math.round(ratio)} to 1, more than the limit of ${limits.maxCompressionRatio} to 1.`,
      );
    }
  }
}

/** Checks that need the whole central directory: totals, duplicates and overlapping entries. */
export function checkDeclaredArchive(entries: readonly DeclaredEntry[], limits: ZipLimits): void {
  let total = 0;
  const seen = new Set<string>();
  for (const entry of entries) {
    total += entry.uncompressedSize;
    if (seen.has(entry.name)) {
      throw new PackageError('ZIP_DUPLICATE_ENTRY', `The archive contains "${entry.name}" twice. Rebuild it so every name appears once.`);
    }
    seen.add(entry.name);
  }
  if (total > limits.maxTotalUncompressedBytes) {
    throw new PackageError(
      'ZIP_BOMB',
      `The archive would unpack to ${total} bytes, more than the limit of ${limits.maxTotalUncompressedBytes}.`,
    );
  }
  // Overlapping entries (several central records pointing into the same data) are how
  // "non-recursive" zip bombs multiply one compressed kernel; no honest writer produces them.
  // The fixed header plus name plus data is a lower bound on each local record's length.
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    const next = byOffset[i]!;
    const prevEnd = prev.localHeaderOffset + LOCAL_HEADER_FIXED_SIZE + prev.nameByteLength + prev.compressedSize;
    if (prevEnd > next.localHeaderOffset) {
      throw new PackageError('ZIP_BOMB', `Entries "${prev.name}" and "${next.name}" overlap inside the archive.`);
    }
  }
}
