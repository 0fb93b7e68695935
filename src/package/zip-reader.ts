import {
  fromBufferPromise,
  fromRandomAccessReaderPromise,
  getFileNameLowLevel,
  type Entry,
  type Options as YauzlOptions,
  type RandomAccessReader,
  type ZipFile,
} from 'yauzl';
import { crc32 } from './crc32.ts';
import { PackageError } from './package-errors.ts';
import { toPackageError } from './yauzl-errors.ts';
import { checkCaseConflicts, checkLocalHeader, checkNameLength, checkUnicodePath } from './zip-ambiguity.ts';
import { checkDeclaredArchive, checkDeclaredEntry, type DeclaredEntry } from './zip-entry-checks.ts';
import { resolveZipLimits, type ZipLimits } from './zip-limits.ts';

export { DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip-limits.ts';

export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  isDirectory: boolean;
  /** 0 = stored, 8 = deflated (nothing else gets past openZip). */
  compressionMethod: number;
  /** As yauzl reads it: a UTC extra field if present, else the DOS time in the local time zone. */
  lastModified: Date;
  /** True when an extra field (Info-ZIP "UT" or NTFS) carries the time, not only the DOS fields. */
  hasExtendedTimestamp: boolean;
  /** Unix permission bits when the archive was made on Unix, else undefined. */
  unixMode: number | undefined;
}

export interface ZipArchive {
  /** In central-directory order. */
  readonly entries: readonly ZipEntryInfo[];
  /** The archive comment's raw bytes (usually empty). */
  readonly comment: Buffer;
  has(name: string): boolean;
  /** The entry's uncompressed bytes; refuses entries declared larger than maxBytes. */
  read(name: string, maxBytes?: number): Promise<Buffer>;
  /**
   * The same bytes and checks as read(), chunk by chunk, so a large entry is never held whole.
   * The checksum can only be judged after the last chunk: act on what was read only once the
   * iteration has ended without an error.
   */
  stream(name: string, maxBytes?: number): AsyncGenerator<Buffer, void, undefined>;
  close(): void;
}

export type ZipSource = Buffer | { reader: RandomAccessReader; size: number };

const FLAG_UTF8 = 0x0800;
const MADE_BY_UNIX = 3;
const EXTRA_UNIX_TIME = 0x5455;
const EXTRA_NTFS = 0x000a;

const YAUZL_OPTIONS: YauzlOptions = {
  lazyEntries: true,
  autoClose: false,
  // We decode names ourselves so backslashes survive to be rejected (yauzl's lenient mode turns
  // them into slashes) and so the Info-ZIP Unicode Path field cannot make us see a different
  // name than a browser, which reads only the raw name bytes.
  decodeStrings: false,
  validateEntrySizes: true,
  strictFileNames: true,
};

/**
 * Opens an untrusted ZIP: reads the whole central directory and rejects the archive (with a
 * distinct PackageError code per problem) before any entry is decompressed. Nothing touches disk.
 * For a reader source, the archive owns the reader: it is closed by close() or when openZip fails.
 */
export async function openZip(source: ZipSource, limits?: Partial<ZipLimits>): Promise<ZipArchive> {
  const resolved = resolveZipLimits(limits);
  let zipfile: ZipFile | undefined;
  try {
    zipfile = Buffer.isBuffer(source)
      ? await fromBufferPromise(source, YAUZL_OPTIONS)
      : await fromRandomAccessReaderPromise(source.reader, source.size, YAUZL_OPTIONS);
    // The count comes from the end record, so an archive claiming millions of entries is refused
    // before we walk (and allocate for) any of them.
    if (zipfile.entryCount > resolved.maxEntries) {
      throw new PackageError(
        'ZIP_TOO_MANY_ENTRIES',
        `The archive has ${zipfile.entryCount} entries, more than the limit of ${resolved.maxEntries}.`,
      );
    }
    const raw: Entry[] = [];
    const declared: DeclaredEntry[] = [];
    for await (const entry of zipfile.eachEntry()) {
      const info = declare(entry);
      checkNameLength(info.name, info.nameByteLength);
      checkDeclaredEntry(info, resolved);
      checkUnicodePath(info.name, entry.fileNameRaw, entry.extraFields);
      raw.push(entry);
      declared.push(info);
    }
    checkDeclaredArchive(declared, resolved);
    checkCaseConflicts(declared.map((d) => d.name));
    // Every entry, not only the ones Outpost reads: a client reads them all.
    for (let i = 0; i < raw.length; i++) {
      checkLocalHeader(raw[i]!, declared[i]!.name, await zipfile.readLocalFileHeaderPromise(raw[i]!));
    }
    return new YauzlArchive(zipfile, raw, declared, resolved);
  } catch (err) {
    if (zipfile) zipfile.close();
    else if (!Buffer.isBuffer(source)) source.reader.close(() => {});
    throw toPackageError(err);
  }
}

function decodeName(entry: Entry): string {
  const bytes = entry.fileNameRaw;
  if (entry.generalPurposeBitFlag & FLAG_UTF8) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (err) {
      throw new PackageError('ZIP_INVALID', 'An entry name is marked UTF-8 but is not valid UTF-8.', { cause: err });
    }
  }
  // No extra fields passed: see YAUZL_OPTIONS on why the Unicode Path field is ignored.
  return getFileNameLowLevel(entry.generalPurposeBitFlag, bytes, [], true);
}

function declare(entry: Entry): DeclaredEntry {
  return {
    name: decodeName(entry),
    nameByteLength: entry.fileNameRaw.length,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    compressionMethod: entry.compressionMethod,
    flags: entry.generalPurposeBitFlag,
    localHeaderOffset: entry.relativeOffsetOfLocalHeader,
  };
}

function describe(entry: Entry, declared: DeclaredEntry): ZipEntryInfo {
  const unix = entry.versionMadeBy >> 8 === MADE_BY_UNIX;
  const mode = entry.externalFileAttributes >>> 16;
  return {
    name: declared.name,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    isDirectory: declared.name.endsWith('/'),
    compressionMethod: entry.compressionMethod,
    lastModified: entry.getLastModDate(),
    hasExtendedTimestamp: entry.extraFields.some((f) => f.id === EXTRA_UNIX_TIME || f.id === EXTRA_NTFS),
    unixMode: unix && mode !== 0 ? mode : undefined,
  };
}

class YauzlArchive implements ZipArchive {
  readonly entries: readonly ZipEntryInfo[];
  readonly comment: Buffer;
  private readonly byName = new Map<string, Entry>();

  constructor(
    private readonly zipfile: ZipFile,
    raw: readonly Entry[],
    declared: readonly DeclaredEntry[],
    private readonly limits: ZipLimits,
  ) {
    this.entries = raw.map((entry, i) => describe(entry, declared[i]!));
    raw.forEach((entry, i) => this.byName.set(declared[i]!.name, entry));
    // With decodeStrings off, yauzl hands the comment over as raw bytes.
    const comment: unknown = zipfile.comment;
    this.comment = Buffer.isBuffer(comment) ? comment : Buffer.from(String(comment ?? ''), 'latin1');
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  async read(name: string, maxBytes: number = this.limits.maxEntryUncompressedBytes): Promise<Buffer> {
    const entry = this.byName.get(name);
    if (!entry) throw new PackageError('ZIP_ENTRY_NOT_FOUND', `The archive has no entry "${name}".`);
    if (entry.uncompressedSize > maxBytes) {
      throw new PackageError(
        'ZIP_ENTRY_TOO_LARGE',
        `"${name}" is ${entry.uncompressedSize} bytes; at most ${maxBytes} bytes are accepted for it.`,
      );
    }
    try {
      const stream = await this.zipfile.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      let length = 0;
      let crc = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        length += chunk.length;
        // yauzl already stops at the declared size; this guards the caller's cap independently.
        if (length > maxBytes) throw new PackageError('ZIP_BOMB', `"${name}" unpacks to more than it declares.`);
        crc = crc32(chunk, crc);
        chunks.push(chunk);
      }
      if (crc !== entry.crc32) {
        throw new PackageError('ZIP_INVALID', `"${name}" is corrupt (its checksum does not match). Rebuild the archive.`);
      }
      return Buffer.concat(chunks, length);
    } catch (err) {
      throw toPackageError(err);
    }
  }

  async *stream(name: string, maxBytes: number = this.limits.maxEntryUncompressedBytes): AsyncGenerator<Buffer, void, undefined> {
    const entry = this.byName.get(name);
    if (!entry) throw new PackageError('ZIP_ENTRY_NOT_FOUND', `The archive has no entry "${name}".`);
    if (entry.uncompressedSize > maxBytes) {
      throw new PackageError('ZIP_ENTRY_TOO_LARGE', `"${name}" is ${entry.uncompressedSize} bytes; at most ${maxBytes} bytes are accepted for it.`);
    }
    let length = 0;
    let crc = 0;
    try {
      // Leaving the loop early (a consumer's break or error) destroys the yauzl stream.
      for await (const chunk of (await this.zipfile.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) {
        length += chunk.length;
        if (length > maxBytes) throw new PackageError('ZIP_BOMB', `"${name}" unpacks to more than it declares.`);
        crc = crc32(chunk, crc);
        yield chunk;
      }
    } catch (err) {
      throw toPackageError(err);
    }
    if (crc !== entry.crc32) {
      throw new PackageError('ZIP_INVALID', `"${name}" is corrupt (its checksum does not match). Rebuild the archive.`);
    }
  }

  close(): void {
    this.zipfile.close();
  }
}
