import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hashingTap } from './hashing-tap.ts';
import type { StagedFile } from './staged-file.ts';
import { removeStreamFile } from './stream-file.ts';

/**
 * A staged upload is local scratch (private/tmp, whichever backend holds the deployment): the
 * services read it through these, so none of them touches the file system itself.
 */

/** Up to `length` bytes from the start (magic numbers). */
export async function stagedHead(file: string, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The whole file; callers check its size against their own limit first. */
export function stagedBytes(file: string): Promise<Buffer> {
  return readFile(file);
}

/** The file as a stream, in 1 MiB reads (proofs and signatures over whole packages). */
export function stagedStream(file: string): Readable {
  return createReadStream(file, { highWaterMark: 1 << 20 });
}

export async function removeStaged(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** A new staged file in `dir`: `head` followed by the bytes of `source` (a CRX header before its ZIP). */
export async function stageWithHead(dir: string, head: Buffer, source: string, prefix: string): Promise<StagedFile> {
  const target = path.join(dir, `${prefix}-${randomBytes(12).toString('hex')}`);
  const hash = createHash('sha256').update(head);
  const count = { bytes: head.length };
  const out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
  try {
    out.write(head);
    await pipeline(stagedStream(source), hashingTap(hash, count), out);
  } catch (err) {
    await removeStreamFile(out, target);
    throw err;
  }
  return { path: target, size: count.bytes, sha256: hash.digest('hex') };
}
