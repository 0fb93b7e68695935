import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

const CHUNK = 64 * 1024;

/**
 * A ZIP on disk as yauzl's random-access reader: inspection reads the central directory and the
 * few entries it needs, so a 200 MB upload is never loaded into memory. Reads go through the
 * FileHandle with explicit positions (fs.ReadStream on a shared descriptor closed it early).
 */
class FileHandleReader extends yauzl.RandomAccessReader {
  /** `offset`: where the ZIP starts in the file (after a CRX header); positions are relative to it. */
  constructor(
    private readonly handle: FileHandle,
    private readonly offset = 0,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const handle = this.handle;
    let position = start + this.offset;
    end += this.offset;
    return new Readable({
      async read() {
        if (position >= end) return void this.push(null);
        try {
          const length = Math.min(CHUNK, end - position);
          const { bytesRead, buffer } = await handle.read(Buffer.alloc(length), 0, length, position);
          if (bytesRead === 0) return void this.destroy(new Error('unexpected end of file'));
          position += bytesRead;
          this.push(buffer.subarray(0, bytesRead));
        } catch (err) {
          this.destroy(err as Error);
        }
      },
    });
  }

  override close(callback: (err: Error | null) => void): void {
    this.handle.close().then(() => callback(null), callback);
  }
}

export async function openZipFile(path: string): Promise<{ reader: yauzl.RandomAccessReader; size: number }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return { reader: new FileHandleReader(handle), size };
}

/** The ZIP that starts `offset` bytes into a file, e.g. the archive inside a CRX3 package. */
export async function openZipFileAt(path: string, offset: number): Promise<{ reader: yauzl.RandomAccessReader; size: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > size) throw new RangeError(`offset ${offset} is outside the file`);
    return { reader: new FileHandleReader(handle, offset), size: size - offset };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
