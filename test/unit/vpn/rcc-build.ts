import { deflateSync } from 'node:zlib';
import { FLAG_DIRECTORY, FLAG_ZLIB, FLAG_ZSTD, qtHash } from '../../../src/vpn/rcc-format.ts';

/**
 * A test-only writer of Qt resource files, laid out as rcc lays them out (header, data, names,
 * tree), so hostile files can be made field by field: nodes point at names and blobs by index and
 * every offset is computed, unless a test sets it. `rccOf` builds a well-formed file from paths.
 */

export interface RawNode {
  /** Index into `names`; the root has none (offset 0, as rcc writes it). */
  readonly name?: number;
  /** A raw name offset instead of `name`. */
  readonly nameOffset?: number;
  readonly flags: number;
  readonly count?: number;
  readonly first?: number;
  /** Index into `blobs`, or a raw data offset with `dataOffset`. */
  readonly blob?: number;
  readonly dataOffset?: number;
  readonly territory?: number;
  readonly language?: number;
}

export interface RawRcc {
  readonly version: 1 | 2 | 3;
  readonly flags?: number;
  readonly names: readonly (string | { readonly name: string; readonly hash: number })[];
  /** Stored bytes of each entry (the uint32 length is added). */
  readonly blobs: readonly Buffer[];
  readonly nodes: readonly RawNode[];
  readonly trailing?: Buffer;
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

export function encodeRcc(raw: RawRcc): Buffer {
  const header = raw.version >= 3 ? 24 : 20;
  const blobOffsets: number[] = [];
  const data: Buffer[] = [];
  let at = 0;
  for (const blob of raw.blobs) {
    blobOffsets.push(at);
    data.push(u32(blob.length), blob);
    at += 4 + blob.length;
  }
  const nameOffsets: number[] = [];
  const names: Buffer[] = [];
  let nameAt = 0;
  for (const entry of raw.names) {
    const { name, hash } = typeof entry === 'string' ? { name: entry, hash: qtHash(entry) } : entry;
    const utf16 = Buffer.from(name, 'utf16le').swap16();
    nameOffsets.push(nameAt);
    names.push(u16(name.length), u32(hash), utf16);
    nameAt += 6 + utf16.length;
  }
  const tree = raw.nodes.map((node) => {
    const fields =
      node.flags & FLAG_DIRECTORY
        ? [u32(node.count ?? 0), u32(node.first ?? 0)]
        : [u16(node.territory ?? 0), u16(node.language ?? 1), u32(node.dataOffset ?? blobOffsets[node.blob ?? 0]!)];
    const mtime = raw.version >= 2 ? [Buffer.alloc(8)] : [];
    return Buffer.concat([u32(node.nameOffset ?? (node.name === undefined ? 0 : nameOffsets[node.name]!)), u16(node.flags), ...fields, ...mtime]);
  });
  const dataStart = header;
  const namesStart = dataStart + at;
  const treeStart = namesStart + nameAt;
  const start = [Buffer.from('qres'), u32(raw.version), u32(treeStart), u32(dataStart), u32(namesStart)];
  if (raw.version >= 3) start.push(u32(raw.flags ?? 0));
  return Buffer.concat([...start, ...data, ...names, ...tree, raw.trailing ?? Buffer.alloc(0)]);
}

/** Qt's qCompress form: the uncompressed length, then a zlib stream. */
export function qCompress(data: Buffer, declared = data.length): Buffer {
  return Buffer.concat([u32(declared), deflateSync(data)]);
}

/** A zstd frame of raw and RLE blocks, declaring `contentSize` in 8 bytes (single segment). */
export function zstdFrame(blocks: readonly ({ raw: Buffer } | { rle: number; size: number })[], contentSize: number, last = true): Buffer {
  const fcs = Buffer.alloc(8);
  fcs.writeBigUInt64LE(BigInt(contentSize));
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0]), fcs];
  blocks.forEach((block, i) => {
    const isLast = last && i === blocks.length - 1 ? 1 : 0;
    const [type, size, body] = 'raw' in block ? [0, block.raw.length, block.raw] : [1, block.size, Buffer.from([block.rle])];
    const h = isLast | (type << 1) | (size << 3);
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), body);
  });
  return Buffer.concat(parts);
}

export type Compression = 'none' | 'zlib' | 'zstd';

/** A well-formed resource: breadth-first tree, children sorted by name hash, names stored once. */
export function rccOf(files: Record<string, Uint8Array | string>, options: { version?: 1 | 2 | 3; compression?: Compression } = {}): Buffer {
  const version = options.version ?? 3;
  const compression = options.compression ?? 'none';
  type Dir = Map<string, Dir | Buffer>;
  const root: Dir = new Map();
  for (const [path, content] of Object.entries(files)) {
    const parts = path.split('/');
    let dir = root;
    for (const part of parts.slice(0, -1)) dir = (dir.get(part) ?? dir.set(part, new Map()).get(part)) as Dir;
    dir.set(parts.at(-1)!, Buffer.from(content));
  }
  const names: string[] = [];
  const nameIndex = (name: string): number => (names.includes(name) ? names.indexOf(name) : names.push(name) - 1);
  const blobs: Buffer[] = [];
  const nodes: RawNode[] = [{ flags: FLAG_DIRECTORY }];
  const flag = { none: 0, zlib: FLAG_ZLIB, zstd: FLAG_ZSTD }[compression];
  const queue: [Dir, number][] = [[root, 0]];
  for (const [dir, index] of queue) {
    const children = [...dir.entries()].sort(([a], [b]) => qtHash(a) - qtHash(b));
    nodes[index] = { ...nodes[index]!, count: children.length, first: nodes.length };
    for (const [name, child] of children) {
      if (child instanceof Map) {
        queue.push([child, nodes.length]);
        nodes.push({ name: nameIndex(name), flags: FLAG_DIRECTORY });
      } else {
        const stored = compression === 'zlib' ? qCompress(child) : compression === 'zstd' ? zstdFrame([{ raw: child }], child.length) : child;
        nodes.push({ name: nameIndex(name), flags: flag, blob: blobs.push(stored) - 1 });
      }
    }
  }
  return encodeRcc({ version, flags: flag, names, blobs, nodes });
}
