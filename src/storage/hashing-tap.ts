import type { Hash } from 'node:crypto';
import { Transform } from 'node:stream';

/** Hashes and counts the bytes going past, so a file written from a stream costs no second read. */
export function hashingTap(hash: Hash, count: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      count.bytes += chunk.length;
      done(null, chunk);
    },
  });
}
