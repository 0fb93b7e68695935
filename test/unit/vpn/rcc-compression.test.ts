import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RCC } from '../../../src/limits.ts';
import { FLAG_DIRECTORY, FLAG_ZLIB, FLAG_ZSTD } from '../../../src/vpn/rcc-format.ts';
import { readRcc } from '../../../src/vpn/rcc-read.ts';
import { encodeRcc, qCompress, zstdFrame } from './rcc-build.ts';
import { vpnCode } from './vpn-fixtures.ts';

/** A resource holding one file, "f", stored as given. */
function oneEntry(stored: Buffer, flag: number): Buffer {
  return encodeRcc({
    version: 3,
    flags: flag,
    names: ['f'],
    blobs: [stored],
    nodes: [{ flags: FLAG_DIRECTORY, count: 1, first: 1 }, { name: 0, flags: flag, blob: 0 }],
  });
}

const MiB = 1024 * 1024;
const zeros = (n: number): Buffer => Buffer.alloc(n);
/** 128 KiB RLE blocks of zeros adding up to `size`. */
const rleBlocks = (size: number) => Array.from({ length: Math.ceil(size / (128 * 1024)) }, (_, i) => ({ rle: 0, size: Math.min(128 * 1024, size - i * 128 * 1024) }));

describe('zlib entries (qCompress form)', () => {
  it('inflate to exactly the declared size', () => {
    const data = Buffer.from('hello '.repeat(1000));
    expect(readRcc(oneEntry(qCompress(data), FLAG_ZLIB)).files[0]!.bytes).toEqual(data);
  });

  it.each([
    ['a declared size below the real one', qCompress(Buffer.from('x'.repeat(100)), 99)],
    ['a declared size above the real one', qCompress(Buffer.from('x'.repeat(100)), 101)],
    ['bytes after the zlib stream', Buffer.concat([qCompress(Buffer.from('abc')), Buffer.from('!')])],
    ['a corrupt stream', Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('not zlib')])],
    ['a truncated stream', qCompress(Buffer.from('abc'.repeat(50))).subarray(0, 12)],
    ['no size at all', Buffer.from([0, 0])],
    ['a size but no stream', Buffer.from([0, 0, 0, 0])],
  ])('refuses %s', (_, stored) => {
    expect(vpnCode(() => readRcc(oneEntry(stored, FLAG_ZLIB)))).toBe('VPN_RCC_INVALID');
  });

  it('refuses a bomb by its ratio before inflating it', () => {
    expect(vpnCode(() => readRcc(oneEntry(qCompress(zeros(4 * MiB)), FLAG_ZLIB)))).toBe('VPN_RCC_ENTRY_TOO_LARGE');
  });

  it('refuses a huge declared size before inflating', () => {
    const stored = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), deflateSync(Buffer.from('tiny'))]);
    expect(vpnCode(() => readRcc(oneEntry(stored, FLAG_ZLIB)))).toBe('VPN_RCC_ENTRY_TOO_LARGE');
  });

  it('refuses a stream longer than it declares, without inflating all of it', () => {
    const limits = { ...RCC, maxCompressionRatio: 1e9 };
    expect(vpnCode(() => readRcc(oneEntry(qCompress(zeros(8 * MiB), 10), FLAG_ZLIB), limits))).toBe('VPN_RCC_INVALID');
  });
});

describe('zstd entries', () => {
  it('decode raw and RLE blocks', () => {
    const frame = zstdFrame([{ raw: Buffer.from('abc') }, { rle: 0x7a, size: 5 }], 8);
    expect(readRcc(oneEntry(frame, FLAG_ZSTD)).files[0]!.bytes.toString()).toBe('abczzzzz');
  });

  it('refuses an RLE bomb by its ratio before decoding it', () => {
    const frame = zstdFrame(rleBlocks(16 * MiB), 16 * MiB);
    expect(frame.length).toBeLessThan(1000);
    expect(vpnCode(() => readRcc(oneEntry(frame, FLAG_ZSTD)))).toBe('VPN_RCC_ENTRY_TOO_LARGE');
    // Allowed a large ratio, the same frame decodes to exactly what it declares.
    const decoded = readRcc(oneEntry(zstdFrame(rleBlocks(2 * MiB), 2 * MiB), FLAG_ZSTD), { ...RCC, maxCompressionRatio: 1e9 }).files[0]!.bytes;
    expect(decoded.equals(zeros(2 * MiB))).toBe(true);
  });

  it('refuses huge declared content sizes before decoding', () => {
    expect(vpnCode(() => readRcc(oneEntry(zstdFrame([{ raw: Buffer.from('x') }], 2 ** 40), FLAG_ZSTD)))).toBe('VPN_RCC_ENTRY_TOO_LARGE');
    expect(vpnCode(() => readRcc(oneEntry(zstdFrame([{ raw: Buffer.from('x') }], RCC.maxEntryUncompressedBytes + 1), FLAG_ZSTD)))).toBe('VPN_RCC_ENTRY_TOO_LARGE');
  });

  it('refuses a frame that regenerates other than it declares', () => {
    expect(vpnCode(() => readRcc(oneEntry(zstdFrame([{ raw: Buffer.from('abc') }], 4), FLAG_ZSTD)))).toBe('VPN_RCC_INVALID');
    expect(vpnCode(() => readRcc(oneEntry(zstdFrame([{ raw: Buffer.from('abc') }, { rle: 1, size: 2 }], 4), FLAG_ZSTD)))).toBe('VPN_RCC_INVALID');
  });
});

describe('limits over the whole resource', () => {
  it('refuses more uncompressed bytes in total than allowed, before inflating any', () => {
    const entry = qCompress(zeros(600 * 1024));
    const bytes = encodeRcc({
      version: 3,
      flags: FLAG_ZLIB,
      names: ['a', 'b'],
      blobs: [entry, entry],
      nodes: [{ flags: FLAG_DIRECTORY, count: 2, first: 1 }, { name: 0, flags: FLAG_ZLIB, blob: 0 }, { name: 1, flags: FLAG_ZLIB, blob: 1 }],
    });
    expect(readRcc(bytes).files).toHaveLength(2);
    expect(vpnCode(() => readRcc(bytes, { ...RCC, maxTotalUncompressedBytes: MiB }))).toBe('VPN_RCC_ENTRY_TOO_LARGE');
  });

  it('refuses one entry over the per-entry limit', () => {
    expect(vpnCode(() => readRcc(oneEntry(zeros(2000), 0), { ...RCC, maxEntryUncompressedBytes: 1999 }))).toBe('VPN_RCC_ENTRY_TOO_LARGE');
  });
});
