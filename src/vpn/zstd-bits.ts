/**
 * Bit readers for the parts of a Zstandard frame (RFC 8878) that zstd-frame.ts checks before fzstd
 * decodes it. Bits are numbered little-endian: bit k of a stream is bit (k % 8) of byte k / 8.
 * Reading past either end is an error, never a silent zero: libzstd refuses such frames too.
 */

/** A frame that libzstd would refuse, or that fzstd could not decode within its declared bounds. */
export class ZstdInvalid extends Error {}

/** The value of `n` bits starting at stream bit `from` (n ≤ 32; the caller checks the range). */
function bitsAt(bytes: Uint8Array, start: number, from: number, n: number): number {
  let value = 0;
  let got = 0;
  while (got < n) {
    const at = from + got;
    const shift = at & 7;
    const take = Math.min(8 - shift, n - got);
    const byte = bytes[start + (at >> 3)] ?? 0;
    // Multiplication, not <<, so 32-bit values stay positive.
    value += ((byte >> shift) & ((1 << take) - 1)) * 2 ** got;
    got += take;
  }
  return value;
}

/** Reads forwards, as FSE table descriptions are written (RFC 8878 §4.1.1). */
export class ForwardBits {
  private bit = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** `n` bits without consuming them; bits past the end read as zero until they are consumed. */
  peek(n: number): number {
    const available = (this.end - this.start) * 8 - this.bit;
    return bitsAt(this.bytes, this.start, this.bit, Math.min(n, Math.max(available, 0)));
  }

  skip(n: number): void {
    this.bit += n;
    if (this.bit > (this.end - this.start) * 8) throw new ZstdInvalid('an FSE table description runs past its block');
  }

  read(n: number): number {
    const value = this.peek(n);
    this.skip(n);
    return value;
  }

  /** Where the next whole byte starts: descriptions end on a byte boundary. */
  get nextByte(): number {
    return this.start + Math.ceil(this.bit / 8);
  }
}

/**
 * Reads backwards from the end, as the sequence bitstream is written (RFC 8878 §4.1): the last
 * byte's highest set bit marks where the stream starts, and a last byte of zero is corrupt.
 */
export class BackwardBits {
  private bit: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly start: number,
    end: number,
  ) {
    const last = end > start ? bytes[end - 1]! : 0;
    if (last === 0) throw new ZstdInvalid('a sequence bitstream does not end with its marker bit');
    this.bit = (end - start - 1) * 8 + (31 - Math.clz32(last));
  }

  read(n: number): number {
    if (n === 0) return 0;
    this.bit -= n;
    if (this.bit < 0) throw new ZstdInvalid('a sequence bitstream is shorter than its sequences need');
    return bitsAt(this.bytes, this.start, this.bit, n);
  }

  /** libzstd requires every bit to be consumed once the last sequence is read. */
  get exhausted(): boolean {
    return this.bit === 0;
  }
}
