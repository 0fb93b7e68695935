/**
 * Bytes that arrive in pieces: a Node Readable, an array of Buffers, a generator. Lets a 200 MB
 * package be signed or verified while it streams from disk instead of being held in memory.
 */
export type ChunkSource = Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export async function forEachChunk(source: ChunkSource, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  for await (const chunk of source) {
    // A string chunk (a Readable with an encoding set) would be signed as text: refuse it.
    if (!(chunk instanceof Uint8Array)) throw new TypeError('Chunks must be Buffers or Uint8Arrays.');
    onChunk(chunk);
  }
}
