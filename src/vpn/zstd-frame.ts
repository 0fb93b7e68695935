import { decompress } from 'fzstd';
import { ZstdInvalid } from './zstd-bits.ts';
import { checkCompressedBlock, type FrameState } from './zstd-block.ts';

/**
 * One Zstandard frame as Qt's rcc writes it for a resource entry (flag 0x4): exactly one frame, its
 * content size declared, no dictionary, no checksum, nothing after it. Qt reads entries with
 * libzstd (ZSTD_getFrameContentSize, then ZSTD_decompress); Node 20 has no zstd, so fzstd decodes.
 * fzstd is lenient where libzstd is strict, so everything libzstd checks about the frame's shape
 * and sizes is checked here first (readZstdHeader, then checkZstdFrame), and fzstd only ever sees
 * frames whose output fits the buffer handed to it and whose decoding work is in proportion to
 * their size. Huffman trees are not checked here, and one can make fzstd spin: the server runs fzstd
 * in a worker with a deadline (src/app/bounded-zstd.ts); decodeZstdFrame is for tools and tests.
 */

export interface ZstdHeader {
  readonly contentSize: number;
  readonly windowSize: number;
  /** Where the first block starts. */
  readonly headerSize: number;
}

const MAGIC = 0xfd2fb528;
/** Block_Maximum_Size is never more than this (RFC 8878 §3.1.1.2.4). */
const MAX_BLOCK = 128 * 1024;

/**
 * Decoding work a frame may cost for its size. Every block costs BLOCK_WORK, every FSE table read
 * from a block a unit per state, every sequence a unit. A sequence regenerates at least 3 bytes and
 * tables are rare, so libzstd's frames (levels 1 to 22) cost at most 0.3 units per byte; 8 MB of
 * 16-byte blocks, each building three 512-state tables for one 3-byte match, cost fzstd 9 s.
 */
const BLOCK_WORK = 64;
const WORK_PER_BYTE = 0.5;
const WORK_BASE = 4096;

/** The frame header (RFC 8878 §3.1.1.1); refuses everything rcc would never write. */
export function readZstdHeader(bytes: Uint8Array): ZstdHeader {
  if (bytes.length < 5) throw new ZstdInvalid('a zstd frame is cut off inside its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new ZstdInvalid('compressed data is not a zstd frame');
  const descriptor = bytes[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  // Bit 4 is unused and bit 3 reserved; libzstd would ignore the first, rcc never sets either.
  if ((descriptor & 0x18) !== 0) throw new ZstdInvalid('a zstd frame sets unused header bits');
  if ((descriptor & 0x04) !== 0) throw new ZstdInvalid('a zstd frame carries a checksum, which rcc never writes and fzstd would not check');
  if ((descriptor & 0x03) !== 0) throw new ZstdInvalid('a zstd frame needs a dictionary');
  if (fcsFlag === 0 && !singleSegment) throw new ZstdInvalid('a zstd frame does not declare its content size, which Qt requires');
  let at = 5;
  let windowSize = 0;
  if (!singleSegment) {
    if (bytes.length < 6) throw new ZstdInvalid('a zstd frame is cut off inside its header');
    const exponent = bytes[5]! >> 3;
    const base = 2 ** (10 + exponent);
    windowSize = base + (base / 8) * (bytes[5]! & 7);
    at = 6;
  }
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (bytes.length < at + fcsBytes) throw new ZstdInvalid('a zstd frame is cut off inside its header');
  let contentSize = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) contentSize = contentSize * 256 + bytes[at + i]!;
  if (fcsBytes === 2) contentSize += 256;
  if (singleSegment) windowSize = contentSize;
  return { contentSize, windowSize, headerSize: at + fcsBytes };
}

/**
 * Walks every block (RFC 8878 §3.1.1.2) and proves the frame regenerates exactly contentSize bytes
 * and ends with its last block. The caller checks contentSize against its limits first.
 */
export function checkZstdFrame(bytes: Uint8Array, header: ZstdHeader, maxWindowBytes: number): void {
  if (header.windowSize > maxWindowBytes) throw new ZstdInvalid(`a zstd frame needs a ${header.windowSize}-byte window; Qt's libzstd stops at ${maxWindowBytes}`);
  const state: FrameState = {
    windowSize: header.windowSize,
    blockMax: Math.min(header.windowSize, MAX_BLOCK),
    produced: 0,
    repeats: [1, 4, 8],
    tables: {},
    hasHuffman: false,
    work: 0,
  };
  const budget = WORK_BASE + WORK_PER_BYTE * header.contentSize;
  let at = header.headerSize;
  for (let last = false; !last; ) {
    if (at + 3 > bytes.length) throw new ZstdInvalid('a zstd frame ends before its last block');
    const blockHeader = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
    at += 3;
    last = (blockHeader & 1) === 1;
    const type = (blockHeader >> 1) & 3;
    const size = blockHeader >>> 3;
    if (type === 3) throw new ZstdInvalid('a zstd block has the reserved type');
    if (size > state.blockMax) throw new ZstdInvalid(`a zstd block of ${size} bytes is larger than the frame allows`);
    const stored = type === 1 ? 1 : size;
    state.work += BLOCK_WORK;
    if (at + stored > bytes.length) throw new ZstdInvalid('a zstd block runs past the end of the entry');
    state.produced += type === 2 ? checkCompressedBlock(bytes, at, at + size, state) : size;
    if (state.produced > header.contentSize) throw new ZstdInvalid('a zstd frame regenerates more than its declared content size');
    if (state.work > budget) throw new ZstdInvalid('a zstd frame takes far more decoding work than its size needs');
    at += stored;
  }
  if (at !== bytes.length) throw new ZstdInvalid('bytes follow the zstd frame');
  if (state.produced !== header.contentSize) throw new ZstdInvalid('a zstd frame regenerates less than its declared content size');
}

/** Decodes a frame that passed checkZstdFrame into a buffer of exactly its content size. */
export function decodeZstdFrame(bytes: Uint8Array, header: ZstdHeader): Buffer {
  const out = new Uint8Array(header.contentSize);
  try {
    decompress(bytes, out);
  } catch (err) {
    // Huffman-coded literals are the one part checkZstdFrame leaves to fzstd.
    throw new ZstdInvalid(`fzstd could not decode the frame: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}
