import { ZipFile } from 'yazl';
import { isOutpostError } from '../errors.ts';
import { toPackageError } from './yauzl-errors.ts';
import { openZip, type ZipEntryInfo, type ZipLimits } from './zip-reader.ts';

export interface ZipEntryEdit {
  /** The one entry to change, by its exact name. */
  name: string;
  /** The entry's new bytes from its old ones; its errors reach the caller unchanged. */
  transform: (data: Buffer) => Buffer;
  /** The error to throw when the archive has no such entry. */
  missing: () => Error;
  /** Read cap for the entry (a manifest has its own limit, well below a ZIP entry's). */
  maxBytes?: number;
  limits?: Partial<ZipLimits>;
}

/**
 * Writes a new ZIP in which only one entry has changed: every other entry keeps its bytes, name,
 * position, compression method, timestamp and Unix mode, as does the archive comment. The entries
 * are recompressed, so the archive's bytes differ even where the content does not.
 * A DOS-only timestamp is written back exactly, except a local time that does not exist in this
 * machine's time zone (the hour skipped when daylight saving starts), which shifts by that hour.
 */
export async function rewriteZipEntry(archive: Buffer, edit: ZipEntryEdit): Promise<Buffer> {
  const zip = await openZip(archive, edit.limits);
  let transformError: { err: unknown } | undefined;
  try {
    if (!zip.has(edit.name)) throw edit.missing();
    const out = new ZipFile();
    const written = collect(out);
    written.catch(() => {}); // awaited below; this only stops an early exit from leaving it unhandled
    for (const entry of zip.entries) {
      if (entry.isDirectory) {
        out.addEmptyDirectory(entry.name, metadata(entry));
        continue;
      }
      let data: Buffer;
      if (entry.name === edit.name) {
        const old = await zip.read(entry.name, edit.maxBytes);
        try {
          data = edit.transform(old);
        } catch (err) {
          transformError = { err };
          throw err;
        }
      } else {
        data = await zip.read(entry.name);
      }
      out.addBuffer(data, entry.name, { ...metadata(entry), compress: entry.compressionMethod !== 0 });
    }
    // yazl writes a Buffer comment byte for byte (its typings only mention strings).
    const comment = zip.comment as unknown as string;
    out.end(zip.comment.length > 0 ? { comment, forceZip64Format: false } : undefined);
    return await written;
  } catch (err) {
    // The transform's own errors (a bad key, an unreadable manifest) reach the caller unchanged.
    if (transformError || isOutpostError(err)) throw err;
    throw toPackageError(err);
  } finally {
    zip.close();
  }
}

function metadata(entry: ZipEntryInfo): { mtime: Date; forceDosTimestamp: boolean; mode?: number } {
  return {
    mtime: entry.lastModified,
    // Adding an extended timestamp where there was none would change the entry's metadata.
    forceDosTimestamp: !entry.hasExtendedTimestamp,
    ...(entry.unixMode !== undefined && entry.unixMode <= 0xffff && { mode: entry.unixMode }),
  };
}

function collect(zip: ZipFile): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    zip.on('error', reject);
  });
}
