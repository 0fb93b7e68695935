import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ZstdInvalid } from '../../../src/vpn/zstd-bits.ts';
import { checkZstdFrame, decodeZstdFrame, readZstdHeader } from '../../../src/vpn/zstd-frame.ts';
import { requireTool } from '../../helpers/system-tools.ts';
import { zstdFrame } from './rcc-build.ts';

const WINDOW = 128 * 1024 * 1024;

/** What the reader makes of a frame: its bytes, or the ZstdInvalid it refuses it with. */
function decode(frame: Buffer): Buffer | ZstdInvalid {
  try {
    const header = readZstdHeader(frame);
    checkZstdFrame(frame, header, WINDOW);
    return decodeZstdFrame(frame, header);
  } catch (err) {
    if (err instanceof ZstdInvalid) return err;
    throw err;
  }
}

/**
 * One compressed block of `count` sequences in RLE mode (RFC 8878 §3.1.1.3.2): each copies 65539 +
 * 0xffff bytes (match length code 52, all 16 extra bits set). fzstd follows such lengths past the
 * end of its buffer: 5000 sequences kept it busy for seconds.
 */
function sequenceBomb(count: number, literals: number, llCode: number, contentSize: number): Buffer {
  const header = Buffer.from([(3 << 2) | ((literals & 0xf) << 4), (literals >> 4) & 0xff, literals >> 12]);
  const sequences = count < 0x7f00 ? Buffer.from([128 + (count >> 8), count & 0xff]) : Buffer.from([255, (count - 0x7f00) & 0xff, (count - 0x7f00) >> 8]);
  const bits = Buffer.alloc(2 * count + 1, 0xff);
  bits[bits.length - 1] = 0x01; // the end marker, and no more bits
  const body = Buffer.concat([header, Buffer.alloc(literals, 0x61), sequences, Buffer.from([0x54, llCode, 0, 52]), bits]);
  const blockHeader = 1 | (2 << 1) | (body.length << 3);
  const fcs = Buffer.alloc(8);
  fcs.writeBigUInt64LE(BigInt(contentSize));
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0]), fcs, Buffer.from([blockHeader & 0xff, (blockHeader >> 8) & 0xff, blockHeader >> 16]), body]);
}

/**
 * `count` compressed blocks, each reading three FSE tables of 512, 256 and 512 states for a single
 * 3-byte match, after 10 raw bytes for the match to copy: work out of all proportion to the output.
 */
function tableBomb(count: number): Buffer {
  const header = (last: number, type: number, size: number): Buffer => {
    const h = last | (type << 1) | (size << 3);
    return Buffer.from([h & 0xff, (h >> 8) & 0xff, h >> 16]);
  };
  // No literals, one sequence, FSE mode for all three codes; each table gives symbol 0 every state.
  const body = Buffer.from([0x00, 0x01, 0xa8, 0xf4, 0x3f, 0xf3, 0x1f, 0xf4, 0x3f, 0, 0, 0, 0x04]);
  const fcs = Buffer.alloc(8);
  fcs.writeBigUInt64LE(BigInt(10 + 3 * count));
  const blocks = Array.from({ length: count }, (_, i) => [header(i === count - 1 ? 1 : 0, 2, body.length), body]).flat();
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0]), fcs, header(0, 0, 10), Buffer.from('0123456789'), ...blocks]);
}

describe('zstd frame checks', () => {
  it('decodes a few table blocks, and refuses many at once', () => {
    expect(decode(tableBomb(2))?.toString()).toBe('0123456789678888');
    const started = performance.now();
    expect(decode(tableBomb(50_000))).toBeInstanceOf(ZstdInvalid);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it.each([
    // Offsets into nothing: the first match has no bytes before it.
    ['matches before the start of the frame', sequenceBomb(20000, 0, 0, 16 * 1024 * 1024)],
    // Valid offsets (one literal, then repeat offset 1), but a block that regenerates 128 KiB+.
    ['a block regenerating more than 128 KiB', sequenceBomb(20000, 20000, 1, 16 * 1024 * 1024)],
  ])('refuses a sequence bomb (%s) at once', (_, frame) => {
    const started = performance.now();
    expect(decode(frame)).toBeInstanceOf(ZstdInvalid);
    expect(performance.now() - started).toBeLessThan(500);
  });

  const one = zstdFrame([{ raw: Buffer.from('abc') }], 3);
  const withDescriptor = (descriptor: number): Buffer => Buffer.concat([one.subarray(0, 4), Buffer.from([descriptor]), one.subarray(5)]);

  it.each([
    ['a checksum flag', withDescriptor(0xe4)],
    ['a dictionary', withDescriptor(0xe1)],
    ['the reserved header bit', withDescriptor(0xe8)],
    ['the unused header bit', withDescriptor(0xf0)],
    ['no content size', Buffer.concat([one.subarray(0, 4), Buffer.from([0x00, 0x00]), one.subarray(13)])],
    ['a second frame', Buffer.concat([one, one])],
    ['a skippable frame first', Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]), one])],
    ['a trailing byte', Buffer.concat([one, Buffer.from([0])])],
    ['no last block', zstdFrame([{ raw: Buffer.from('abc') }], 3, false)],
    ['a block of the reserved type', Buffer.concat([one.subarray(0, 13), Buffer.from([0x07 | (3 << 3), 0, 0]), Buffer.from('abc')])],
    ['a block larger than the content (the window)', zstdFrame([{ raw: Buffer.from('abc') }, { rle: 0, size: 0 }], 2)],
    ['a window over the limit', Buffer.concat([one.subarray(0, 4), Buffer.from([0x80, 0xf8, 3, 0, 0, 0]), one.subarray(13)])],
    ['not a frame', Buffer.from('hello world')],
    ['a cut-off header', one.subarray(0, 8)],
  ])('refuses %s', (_, frame) => {
    expect(decode(frame)).toBeInstanceOf(ZstdInvalid);
  });

  it('reads a frame with a window descriptor in the limit', () => {
    expect(decode(Buffer.concat([one.subarray(0, 4), Buffer.from([0x80, 0x00, 3, 0, 0, 0]), one.subarray(13)]))).toEqual(Buffer.from('abc'));
  });

  it('reads an empty frame', () => {
    expect(decode(zstdFrame([{ raw: Buffer.alloc(0) }], 0))).toEqual(Buffer.alloc(0));
  });
});

/** Frames from the real zstd tool: Huffman literals, FSE tables, repeat modes, many blocks. */
describe.skipIf(!requireTool('zstd'))('zstd frames written by the zstd tool', () => {
  const text = Buffer.from(Array.from({ length: 20000 }, (_, i) => `line ${i % 977} of ${(i * 7919) % 10007}`).join('\n'));
  const inputs: [string, Buffer][] = [
    ['text', text],
    ['random', randomBytes(200_000)],
    ['mixed', Buffer.concat(Array.from({ length: 400 }, (_, i) => Buffer.concat([randomBytes(i % 50), Buffer.alloc(i % 300, 0x41)])))],
    ['one byte', Buffer.from('x')],
  ];

  it.each(inputs.flatMap(([name, data]) => ['-1', '-3', '-19', '--ultra -22', '--long=24 -3'].map((level) => [name, level, data] as const)))(
    'decodes %s at %s exactly',
    (_, level, data) => {
      const frame = execFileSync('zstd', ['-q', '-c', '--no-check', ...level.split(' ')], { input: data, maxBuffer: 64 * 1024 * 1024 });
      // From a pipe the tool writes no content size, which Qt requires: state it as rcc does.
      const withSize = execFileSync('zstd', ['-q', '-c', '--no-check', `--stream-size=${data.length}`, ...level.split(' ')], { input: data, maxBuffer: 64 * 1024 * 1024 });
      expect(decode(frame)).toBeInstanceOf(ZstdInvalid);
      const decoded = decode(withSize);
      expect(decoded instanceof Buffer && decoded.equals(data)).toBe(true);
    },
  );

  it('refuses frames with a checksum, which fzstd would not check', () => {
    const frame = execFileSync('zstd', ['-q', '-c', '--check', `--stream-size=${text.length}`], { input: text });
    expect(decode(frame)).toBeInstanceOf(ZstdInvalid);
  });
});
