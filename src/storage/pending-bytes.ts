/**
 * Chunks smaller than this are copied into a buffer of this size rather than kept by reference:
 * a body sent a byte at a time would otherwise hold a million Buffers until its slot is full.
 */
const GATHER_BYTES = 65_536;

/** Bytes given and not yet handed on, in order: large chunks by reference, small ones gathered. */
export class PendingBytes {
  private chunks: Buffer[] = [];
  /** Where small chunks are gathered: the last of `chunks` is a view of its first `gathered` bytes. */
  private gather: Buffer | undefined;
  private gathered = 0;
  size = 0;

  keep(chunk: Buffer): void {
    if (chunk.length >= GATHER_BYTES) {
      this.chunks.push(chunk);
      this.gather = undefined;
    } else {
      if (!this.gather || this.gathered + chunk.length > GATHER_BYTES) {
        this.gather = Buffer.allocUnsafe(GATHER_BYTES);
        this.gathered = 0;
        this.chunks.push(this.gather);
      }
      chunk.copy(this.gather, this.gathered);
      this.gathered += chunk.length;
      this.chunks[this.chunks.length - 1] = this.gather.subarray(0, this.gathered);
    }
    this.size += chunk.length;
  }

  /** Copies the first `length` bytes to `target` at `at` and forgets them. */
  moveInto(target: Buffer, at: number, length: number): void {
    // What is copied out is no longer the last of `chunks`: small chunks gather anew.
    this.gather = undefined;
    for (let left = length; left > 0; ) {
      const head = this.chunks[0]!;
      const n = Math.min(head.length, left);
      head.copy(target, at, 0, n);
      at += n;
      left -= n;
      if (n === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    }
    this.size -= length;
  }

  clear(): void {
    this.chunks = [];
    this.gather = undefined;
    this.size = 0;
  }
}
