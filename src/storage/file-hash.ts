import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type HashAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** Hashes a file as a stream, so a 200 MB package never sits in memory. */
export async function hashFile(path: string, algorithms: readonly HashAlgorithm[]): Promise<Record<HashAlgorithm, string>> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    for (const [, h] of hashes) h.update(chunk as Buffer);
  }
  return Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')])) as Record<HashAlgorithm, string>;
}
