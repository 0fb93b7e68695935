import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

export type HashAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** Hashes a stream as it goes by, counting its bytes, so a 200 MB package never sits in memory. */
export async function hashStream(stream: Readable, algorithms: readonly HashAlgorithm[]): Promise<{ digests: Record<HashAlgorithm, string>; bytes: number }> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  let bytes = 0;
  for await (const chunk of stream) {
    for (const [, h] of hashes) h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { digests: Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')])) as Record<HashAlgorithm, string>, bytes };
}

export async function hashFile(path: string, algorithms: readonly HashAlgorithm[]): Promise<Record<HashAlgorithm, string>> {
  return (await hashStream(createReadStream(path, { highWaterMark: 1 << 20 }), algorithms)).digests;
}
