import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { decodeSignatures } from '../../../src/jami/jpl-signatures.ts';
import { MSGPACK } from '../../../src/limits.ts';
import { errorCode } from '../../helpers/jami-expect.ts';

const str = (s: string): Buffer => Buffer.concat([Buffer.from([0xa0 | Buffer.byteLength(s)]), Buffer.from(s)]);
const bin = (b: number[]): Buffer => Buffer.from([0xc4, b.length, ...b]);
const u16 = (n: number): number[] => [n >> 8, n & 0xff];
const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const bytes = (...parts: (Buffer | number[])[]): Buffer => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));

describe('decodeSignatures', () => {
  it('reads a map of str → bin written by hand (no encoder involved)', () => {
    expect(decodeSignatures(bytes([0x82], str('a'), bin([1]), str('lib/'), bin([2, 3])))).toEqual(new Map([['a', Buffer.from([1])], ['lib/', Buffer.from([2, 3])]]));
  });

  it('reads every header width of map, str and bin, and what @msgpack/msgpack writes', () => {
    const wide = bytes([0xdf, ...u32(3)], [0xd9, 1, 0x61], [0xc5, ...u16(2), 7, 8], [0xda, ...u16(1), 0x62], [0xc6, ...u32(1), 9], [0xdb, ...u32(1), 0x63], [0xc4, 0]);
    expect(decodeSignatures(wide)).toEqual(new Map([['a', Buffer.from([7, 8])], ['b', Buffer.from([9])], ['c', Buffer.alloc(0)]]));
    expect(decodeSignatures(bytes([0xde, ...u16(1)], str('é'), bin([1]))).get('é')).toEqual(Buffer.from([1]));
    const entries = Array.from({ length: 40 }, (_, i): [string, Uint8Array] => [`lib/x86_64-linux-gnu/lib${i}.so`, new Uint8Array(512).fill(i)]);
    expect(decodeSignatures(Buffer.from(encode(Object.fromEntries(entries))))).toEqual(new Map(entries.map(([k, v]) => [k, Buffer.from(v)])));
  });

  it.each([
    ['an array', Buffer.from(encode([new Uint8Array([1])]))],
    ['bin at the top level', Buffer.from(encode(new Uint8Array([1])))],
    ['a string value', Buffer.from(encode({ a: 'sig' }))],
    ['a numeric key', bytes([0x81, 0x01], bin([1]))],
    ['a name listed twice', bytes([0x82], str('a'), bin([1]), str('a'), bin([2]))],
    ['a key that is not UTF-8', bytes([0x81, 0xa1, 0xff], bin([1]))],
    ['trailing bytes', bytes(Buffer.from(encode({ a: new Uint8Array([1]) })), [0])],
    ['truncated data', Buffer.from([0x81, 0xa1])],
    ['an empty file', Buffer.alloc(0)],
    // Valid msgpack, but over the 16 MiB a signatures map may take.
    ['an oversized map', Buffer.from(encode(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, new Uint8Array(60 * 1024)]))))],
  ])('refuses %s', async (_, input) => {
    expect(await errorCode(() => decodeSignatures(input))).toBe('JPL_SIGNATURES_INVALID');
  });

  // Each of these made a general decoder allocate or recurse before it noticed anything wrong.
  it.each([
    ['1.5 KB of nested fixarray headers (the reported bomb)', Buffer.alloc(1536, 0x91)],
    ['10,000 nested array16 headers', Buffer.concat(Array.from({ length: 10_000 }, () => Buffer.from([0xdc, 0x00, 0x01])))],
    ['a value of 1.5 KB of nested arrays', bytes([0x81], str('a'), Buffer.alloc(1536, 0x91))],
    ['a value of nested maps', bytes([0x81], str('a'), Buffer.alloc(1536, 0x81))],
    ['a map32 declaring 2^32-1 entries', bytes([0xdf, ...u32(0xffffffff)], str('a'), bin([1]))],
    ['a map16 declaring more entries than the file holds', bytes([0xde, ...u16(MSGPACK.maxMapEntries)], str('a'), bin([1]))],
    ['a str32 key declaring 4 GB', bytes([0x81, 0xdb, ...u32(0xffffffff)], Buffer.from('lib/'))],
    ['a bin32 value declaring 4 GB', bytes([0x81], str('a'), [0xc6, ...u32(0xffffffff), 1, 2, 3])],
    ['a bin16 value declaring more than remains', bytes([0x81], str('a'), [0xc5, ...u16(1000), 1])],
    ['a key longer than any entry name', bytes([0x81, 0xda, ...u16(MSGPACK.maxStringBytes + 1)], Buffer.alloc(MSGPACK.maxStringBytes + 1, 0x61), bin([1]))],
    ['a signature larger than any RSA signature', bytes([0x81], str('a'), [0xc6, ...u32(MSGPACK.maxBinBytes + 1)], Buffer.alloc(MSGPACK.maxBinBytes + 1))],
  ])('refuses %s from its headers', async (_, input) => {
    expect(await errorCode(() => decodeSignatures(input))).toBe('JPL_SIGNATURES_INVALID');
  });

  it('takes its limits as an argument', async () => {
    const three = bytes([0x83], str('a'), bin([1]), str('b'), bin([2]), str('c'), bin([3]));
    expect(decodeSignatures(three).size).toBe(3);
    expect(await errorCode(() => decodeSignatures(three, { ...MSGPACK, maxMapEntries: 2 }))).toBe('JPL_SIGNATURES_INVALID');
    expect(await errorCode(() => decodeSignatures(three, { ...MSGPACK, maxBytes: three.length - 1 }))).toBe('JPL_SIGNATURES_INVALID');
    expect(await errorCode(() => decodeSignatures(bytes([0x81], str('ab'), bin([1])), { ...MSGPACK, maxStringBytes: 1 }))).toBe('JPL_SIGNATURES_INVALID');
    expect(await errorCode(() => decodeSignatures(bytes([0x81], str('a'), bin([1, 2])), { ...MSGPACK, maxBinBytes: 1 }))).toBe('JPL_SIGNATURES_INVALID');
  });
});
