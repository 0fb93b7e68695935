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

/**
 * A frame that made fzstd 0.1.1 spin without end, and that libzstd refuses ("Data corruption"):
 * one compressed block whose literals are Huffman-coded, with the tree's weights FSE-coded by a
 * table that gives symbol 0 every state. Every state then reads 0 bits, so fzstd's weight loop
 * never reaches the start of its bitstream. The frame checker does not decode Huffman trees, so
 * only the worker's deadline (src/app/bounded-zstd.ts) stops it.
 */
export function spinningZstdFrame(contentSize = 20): Buffer {
  // FSE table description: accuracy log 5 (4 bits of 0), then 6 bits of 63 (symbol 0: probability 32 of 32).
  const weights = Buffer.from([0xf0, 0x03, 0xff, 0x80]);
  const huffmanStream = Buffer.from([0xff, 0x80]);
  const compressed = 1 + weights.length + huffmanStream.length;
  // Literals header: type 2 (Huffman), one stream, 10-bit regenerated and compressed sizes.
  const literals = 2 | (contentSize << 4) | (compressed << 14);
  const body = Buffer.concat([Buffer.from([literals & 0xff, (literals >> 8) & 0xff, literals >> 16, weights.length]), weights, huffmanStream, Buffer.from([0])]);
  const blockHeader = 1 | (2 << 1) | (body.length << 3);
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, contentSize, blockHeader & 0xff, (blockHeader >> 8) & 0xff, blockHeader >> 16]), body]);
}

/** A resource with manifest.json stored and one more entry, extra.txt, whose stored bytes are the zstd frame given. */
export function rccWithZstdEntry(frame: Buffer, manifest: Buffer): Buffer {
  // Qt finds children by binary search on their name hash, so the reader wants them in that order.
  const entries = [
    { name: 'manifest.json', blob: manifest, flags: 0 },
    { name: 'extra.txt', blob: frame, flags: FLAG_ZSTD },
  ].sort((a, b) => qtHash(a.name) - qtHash(b.name));
  return encodeRcc({
    version: 3,
    flags: FLAG_ZSTD,
    names: entries.map((e) => e.name),
    blobs: entries.map((e) => e.blob),
    nodes: [{ flags: FLAG_DIRECTORY, count: 2, first: 1 }, ...entries.map((e, i) => ({ name: i, flags: e.flags, blob: i }))],
  });
}
