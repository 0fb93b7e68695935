import { MSGPACK } from '../limits.ts';
import { JamiError } from './jami-errors.ts';

/**
 * The `signatures` file of a JPL: a msgpack map of entry name (str) → signature (bin), as Jami's
 * packager writes it. A general msgpack decoder follows whatever the bytes declare (10,000 nested
 * array headers in 1.5 KB ran a general decoder out of heap), so this reader knows only that one
 * shape: a map at the top, str keys, bin values, nothing nested (MSGPACK.maxDepth is 1 by
 * construction). Every declared count and length is checked against the limits and against the
 * bytes that remain before anything is allocated; values are views into `bytes`, not copies.
 */

export type MsgpackLimits = Omit<typeof MSGPACK, 'maxDepth'>;

class Invalid extends Error {}

class Reader {
  private offset = 0;

  constructor(private readonly bytes: Buffer) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** A big-endian unsigned integer of `size` bytes (1, 2 or 4). */
  uint(size: 1 | 2 | 4, what: string): number {
    if (this.remaining < size) throw new Invalid(`it ends inside ${what}`);
    const value = this.bytes.readUIntBE(this.offset, size);
    this.offset += size;
    return value;
  }

  /** `length` bytes, refused when longer than `max` or than what the file still holds. */
  take(length: number, max: number, what: string): Buffer {
    if (length > max) throw new Invalid(`${what} declares ${length} bytes, more than the ${max} allowed`);
    if (length > this.remaining) throw new Invalid(`${what} declares ${length} bytes, but only ${this.remaining} remain`);
    const view = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }
}

const hex = (byte: number): string => `0x${byte.toString(16).padStart(2, '0')}`;

function mapSize(r: Reader): number {
  const type = r.uint(1, 'the map header');
  if (type >= 0x80 && type <= 0x8f) return type & 0x0f; // fixmap
  if (type === 0xde) return r.uint(2, 'the map header');
  if (type === 0xdf) return r.uint(4, 'the map header');
  throw new Invalid(`it does not start with a map (type byte ${hex(type)})`);
}

function key(r: Reader, limits: MsgpackLimits): string {
  const type = r.uint(1, 'a key');
  let length: number;
  if (type >= 0xa0 && type <= 0xbf) length = type & 0x1f; // fixstr
  else if (type === 0xd9) length = r.uint(1, 'a key header');
  else if (type === 0xda) length = r.uint(2, 'a key header');
  else if (type === 0xdb) length = r.uint(4, 'a key header');
  else throw new Invalid(`a key is not a string (type byte ${hex(type)})`);
  const raw = r.take(length, limits.maxStringBytes, 'a key');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    throw new Invalid('a key is not valid UTF-8');
  }
}

function value(r: Reader, limits: MsgpackLimits, name: string): Buffer {
  const type = r.uint(1, `the signature of ${name}`);
  let length: number;
  if (type === 0xc4) length = r.uint(1, `the signature of ${name}`);
  else if (type === 0xc5) length = r.uint(2, `the signature of ${name}`);
  else if (type === 0xc6) length = r.uint(4, `the signature of ${name}`);
  else throw new Invalid(`the signature of ${name} is not binary data (type byte ${hex(type)})`);
  return r.take(length, limits.maxBinBytes, `the signature of ${name}`);
}

function scan(bytes: Buffer, limits: MsgpackLimits): Map<string, Buffer> {
  if (bytes.length > limits.maxBytes) throw new Invalid(`it is ${bytes.length} bytes; at most ${limits.maxBytes} are accepted`);
  const r = new Reader(bytes);
  const size = mapSize(r);
  if (size > limits.maxMapEntries) throw new Invalid(`the map declares ${size} entries, more than the ${limits.maxMapEntries} allowed`);
  const map = new Map<string, Buffer>();
  for (let i = 0; i < size; i++) {
    const name = key(r, limits);
    // A name listed twice could be read differently by another decoder; refuse it.
    if (map.has(name)) throw new Invalid(`${JSON.stringify(name)} is listed twice`);
    map.set(name, value(r, limits, JSON.stringify(name)));
  }
  if (r.remaining > 0) throw new Invalid(`${r.remaining} bytes follow the map`);
  return map;
}

/** Decodes `signatures`; anything but a bounded map of str → bin is JPL_SIGNATURES_INVALID. */
export function decodeSignatures(bytes: Buffer, limits: MsgpackLimits = MSGPACK): Map<string, Buffer> {
  try {
    return scan(bytes, limits);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    throw new JamiError('JPL_SIGNATURES_INVALID', `The "signatures" file is not a msgpack map of file names to signatures: ${err.message}. Sign the package again.`, { cause: err });
  }
}
