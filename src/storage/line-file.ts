import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK_BYTES = 1 << 20;

export interface LinesRead {
  /** Bytes of the complete lines (each with its newline). */
  readonly bytes: number;
  /** The file ends with a partial line: an append a crash cut short. */
  readonly torn: boolean;
}

/**
 * Reads an append-only log line by line, in 1 MiB chunks, without holding the file: start-up's
 * way of reading the catalog index and the rendered marks. Only complete lines are decoded, so a
 * multi-byte character split between two chunks stays whole. `visit` returns false to stop (a
 * file that is not what the caller expected); the answer is then undefined, as for a missing file.
 */
export function readLinesSync(file: string, visit: (line: string) => boolean | void): LinesRead | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let rest = Buffer.alloc(0);
    let bytes = 0;
    for (let read = readSync(fd, chunk, 0, CHUNK_BYTES, null); read > 0; read = readSync(fd, chunk, 0, CHUNK_BYTES, null)) {
      const data = rest.length ? Buffer.concat([rest, chunk.subarray(0, read)]) : chunk.subarray(0, read);
      const last = data.lastIndexOf(0x0a);
      rest = Buffer.from(data.subarray(last + 1));
      if (last < 0) continue;
      const text = data.toString('utf8', 0, last + 1);
      bytes += last + 1;
      for (let start = 0, end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) {
        if (visit(text.slice(start, end)) === false) return undefined;
      }
    }
    return { bytes, torn: rest.length > 0 };
  } finally {
    closeSync(fd);
  }
}
