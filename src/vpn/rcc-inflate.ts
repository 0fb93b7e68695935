import { inflateSync } from 'node:zlib';
import { RCC } from '../limits.ts';
import { VpnError } from './vpn-errors.ts';
import { ZstdInvalid } from './zstd-bits.ts';
import { checkZstdFrame, decodeZstdFrame, readZstdHeader } from './zstd-frame.ts';

/**
 * The stored bytes of one resource entry, and how they become the file's content. Every size is
 * known before anything is decoded: zlib entries declare it (Qt's qCompress form: uint32 length,
 * then a zlib stream), zstd frames declare it in their header, stored entries are their own size.
 * Decoding must give exactly that many bytes, with nothing left over, or the entry is refused.
 */

export type RccCompression = 'none' | 'zlib' | 'zstd';
export type RccLimits = typeof RCC;

export interface StoredEntry {
  readonly path: string;
  readonly compression: RccCompression;
  /** The bytes after the entry's uint32 length. */
  readonly stored: Buffer;
}

function invalid(entry: StoredEntry, reason: string, cause?: unknown): VpnError {
  return new VpnError('VPN_RCC_INVALID', `The resource entry "${entry.path}" cannot be read: ${reason}. Build the add-on again with Qt's rcc.`, cause === undefined ? undefined : { cause });
}

/** The uncompressed size an entry declares, checked against the per-entry limit and ratio. */
export function declaredSize(entry: StoredEntry, limits: RccLimits = RCC): number {
  let size: number;
  if (entry.compression === 'none') size = entry.stored.length;
  else if (entry.compression === 'zlib') {
    if (entry.stored.length < 4) throw invalid(entry, 'its zlib data is cut off before the declared size');
    size = entry.stored.readUInt32BE(0);
  } else {
    try {
      size = readZstdHeader(entry.stored).contentSize;
    } catch (err) {
      if (err instanceof ZstdInvalid) throw invalid(entry, err.message, err);
      throw err;
    }
  }
  if (size > limits.maxEntryUncompressedBytes) {
    throw new VpnError('VPN_RCC_ENTRY_TOO_LARGE', `The resource entry "${entry.path}" declares ${size} bytes; at most ${limits.maxEntryUncompressedBytes} are accepted per entry.`);
  }
  if (size >= limits.compressionRatioMinBytes && size / Math.max(entry.stored.length, 1) > limits.maxCompressionRatio) {
    throw new VpnError('VPN_RCC_ENTRY_TOO_LARGE', `The resource entry "${entry.path}" would inflate ${entry.stored.length} bytes to ${size}, more than ${limits.maxCompressionRatio} times.`);
  }
  return size;
}

function inflateZlib(entry: StoredEntry, size: number): Buffer {
  const stream = entry.stored.subarray(4);
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    // maxOutputLength bounds the output whatever the stream says; a longer stream is an error.
    result = inflateSync(stream, { maxOutputLength: Math.max(size, 1), info: true }) as unknown as typeof result;
  } catch (err) {
    throw invalid(entry, `its zlib stream is corrupt or longer than the ${size} bytes it declares`, err);
  }
  if (result.buffer.length !== size) throw invalid(entry, `its zlib stream gives ${result.buffer.length} bytes, not the ${size} it declares`);
  if (result.engine.bytesWritten !== stream.length) throw invalid(entry, 'bytes follow its zlib stream');
  return result.buffer;
}

/**
 * A zstd entry's frame, checked as libzstd would (header, blocks, sizes, decoding work), ready to
 * be decoded. fzstd may still spin on Huffman-coded literals the checker does not prove, so the
 * server decodes checked frames in a worker with a deadline (src/app/bounded-zstd.ts).
 */
export function checkedZstdFrame(entry: StoredEntry, limits: RccLimits = RCC): Buffer {
  try {
    checkZstdFrame(entry.stored, readZstdHeader(entry.stored), limits.maxZstdWindowBytes);
  } catch (err) {
    if (err instanceof ZstdInvalid) throw invalid(entry, err.message, err);
    throw err;
  }
  return entry.stored;
}

/**
 * `decoded` is the entry's content decoded elsewhere (the server's bounded worker). Without it,
 * the frame is decoded here only if the limits allow (RCC, for tools and tests); RCC_SERVING
 * refuses, so a server path that forgot the worker cannot hang on a hostile frame.
 */
function inflateZstd(entry: StoredEntry, size: number, limits: RccLimits, decoded: Buffer | undefined): Buffer {
  const frame = checkedZstdFrame(entry, limits);
  if (decoded !== undefined) {
    if (decoded.length !== size) throw invalid(entry, `its zstd frame gives ${decoded.length} bytes, not the ${size} it declares`);
    return decoded;
  }
  if (!limits.decodeZstd) {
    throw new VpnError('VPN_RCC_ZSTD_UNSUPPORTED', `The resource entry "${entry.path}" is zstd-compressed and was not decoded: build the add-on with \`rcc -binary --compress-algo zlib\` (or --no-compress).`);
  }
  try {
    return decodeZstdFrame(frame, readZstdHeader(frame));
  } catch (err) {
    if (err instanceof ZstdInvalid) throw invalid(entry, err.message, err);
    throw err;
  }
}

/** The entry's content; call declaredSize first, which checks the limits. */
export function inflateEntry(entry: StoredEntry, size: number, limits: RccLimits = RCC, decoded?: Buffer): Buffer {
  if (entry.compression === 'none') return Buffer.from(entry.stored);
  if (entry.compression === 'zlib') return inflateZlib(entry, size);
  return inflateZstd(entry, size, limits, decoded);
}
