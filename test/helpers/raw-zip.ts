/**
 * A deliberately naive ZIP writer for tests: every header field can be forged, so tests can build
 * the malicious archives that yazl (rightly) refuses to write: unsafe names, lying sizes,
 * duplicates, encryption flags, overlapping entries, forged end records.
 */
import { deflateRawSync, createDeflateRaw } from 'node:zlib';
import { crc32 } from '../../src/package/crc32.ts';

export interface RawEntry {
  name: string | Buffer;
  /** Uncompressed content (default empty). */
  data?: string | Buffer;
  /** 0 = store (default), 8 = deflate; any other number is written as-is with `data` stored. */
  method?: number;
  /** Bytes written as the file data instead of store/deflate of `data` (e.g. a precomputed bomb). */
  payload?: Buffer;
  flags?: number;
  crc32?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  /** Name written in the local header when it should differ from the central one. */
  localName?: string | Buffer;
  localMethod?: number;
  localFlags?: number;
  /** Local-header values when they should differ from the central ones. */
  localCrc32?: number;
  localCompressedSize?: number;
  localExtra?: Buffer;
  versionMadeBy?: number;
  externalAttributes?: number;
  extra?: Buffer;
  dosTime?: number;
  dosDate?: number;
  /** Write no local record; the central record points at `localHeaderOffset` instead. */
  omitLocal?: boolean;
  localHeaderOffset?: number;
}

export interface RawZipOptions {
  /** Forged entry count in the end record (both the per-disk and the total field). */
  entryCount?: number;
  centralDirectorySize?: number;
  centralDirectoryOffset?: number;
  diskNumber?: number;
  comment?: string | Buffer;
}

function bytes(value: string | Buffer | undefined): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  return Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
}

export function rawZip(entries: readonly RawEntry[], options: RawZipOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = bytes(entry.name);
    const data = bytes(entry.data);
    const method = entry.method ?? 0;
    const payload = entry.payload ?? (method === 8 ? deflateRawSync(data) : data);
    const crc = entry.crc32 ?? crc32(data);
    const compressedSize = entry.compressedSize ?? payload.length;
    const uncompressedSize = entry.uncompressedSize ?? data.length;
    const flags = entry.flags ?? (/[^\x20-\x7e]/.test(name.toString('latin1')) ? 0x0800 : 0);
    const extra = entry.extra ?? Buffer.alloc(0);
    const dosTime = entry.dosTime ?? 0x6000; // 12:00:00
    const dosDate = entry.dosDate ?? 0x5821; // 2024-01-01

    let headerOffset = entry.localHeaderOffset ?? offset;
    if (!entry.omitLocal) {
      headerOffset = offset;
      const localName = entry.localName === undefined ? name : bytes(entry.localName);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(entry.localFlags ?? flags, 6);
      local.writeUInt16LE(entry.localMethod ?? method, 8);
      local.writeUInt16LE(dosTime, 10);
      local.writeUInt16LE(dosDate, 12);
      local.writeUInt32LE((entry.localCrc32 ?? crc) >>> 0, 14);
      local.writeUInt32LE((entry.localCompressedSize ?? compressedSize) >>> 0, 18);
      local.writeUInt32LE(uncompressedSize >>> 0, 22);
      local.writeUInt16LE(localName.length, 26);
      const localExtra = entry.localExtra ?? extra;
      local.writeUInt16LE(localExtra.length, 28);
      const record = Buffer.concat([local, localName, localExtra, payload]);
      parts.push(record);
      offset += record.length;
    }

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(entry.versionMadeBy ?? (3 << 8) | 20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(dosTime, 12);
    header.writeUInt16LE(dosDate, 14);
    header.writeUInt32LE(crc >>> 0, 16);
    header.writeUInt32LE(compressedSize >>> 0, 20);
    header.writeUInt32LE(uncompressedSize >>> 0, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt16LE(0, 32);
    header.writeUInt16LE(0, 34);
    header.writeUInt16LE(0, 36);
    header.writeUInt32LE(entry.externalAttributes ?? (0o100644 << 16) >>> 0, 38);
    header.writeUInt32LE(headerOffset >>> 0, 42);
    central.push(Buffer.concat([header, name, extra]));
  }

  const centralDirectory = Buffer.concat(central);
  const comment = bytes(options.comment);
  const end = Buffer.alloc(22);
  const count = options.entryCount ?? entries.length;
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.diskNumber ?? 0, 4);
  end.writeUInt16LE(options.diskNumber ?? 0, 6);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(options.centralDirectorySize ?? centralDirectory.length, 12);
  end.writeUInt32LE(options.centralDirectoryOffset ?? offset, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([...parts, centralDirectory, end, comment]);
}

/** Raw-deflates `size` zero bytes without holding them in memory (a zip-bomb kernel). */
export async function deflatedZeros(size: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  const block = Buffer.alloc(1024 * 1024);
  for (let left = size; left > 0; left -= block.length) {
    const piece = left >= block.length ? block : block.subarray(0, left);
    if (!deflate.write(piece)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return Buffer.concat(chunks);
}
