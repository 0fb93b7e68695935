import { RCC } from '../limits.ts';
import {
  DEFAULT_LANGUAGE,
  DEFAULT_TERRITORY,
  FLAG_DIRECTORY,
  FLAG_ZLIB,
  FLAG_ZSTD,
  headerSize,
  nodeSize,
  qtHash,
  RCC_MAGIC,
} from './rcc-format.ts';
import { checkedZstdFrame, declaredSize, inflateEntry, type RccCompression, type RccLimits, type StoredEntry } from './rcc-inflate.ts';
import { VpnError } from './vpn-errors.ts';

/**
 * Reads a Qt binary resource (.rcc, format versions 1 to 3) into its files, refusing anything that
 * Qt and another reader could see differently: every byte of the file must belong to exactly one
 * thing (the header, one name, one entry's data, the tree), every tree node must be reached exactly
 * once from the root, each directory's children must be sorted by name hash as Qt's binary search
 * expects, and names must be usable path segments. Bytes in, files out; nothing touches the disk.
 */

export interface RccFile {
  /** Slash-separated path from the resource root, e.g. "i18n/locale_en.qm". */
  readonly path: string;
  readonly bytes: Buffer;
  readonly compression: RccCompression;
  /** Format version 2 and later: the source file's modification time in ms since the epoch. */
  readonly lastModifiedMs: number | undefined;
}

export interface RccResource {
  readonly version: 1 | 2 | 3;
  /** Sorted by path (UTF-16 code unit order). */
  readonly files: readonly RccFile[];
}

interface Header {
  readonly version: 1 | 2 | 3;
  readonly tree: number;
  readonly data: number;
  readonly names: number;
  /** Version 3: the compression algorithms the entries use. */
  readonly flags: number;
}

interface Pending {
  readonly index: number;
  readonly path: string;
  readonly depth: number;
}

function invalid(reason: string): VpnError {
  return new VpnError('VPN_RCC_INVALID', `This is not a Qt resource file (.rcc) the VPN client can read safely: ${reason}.`);
}

function tooComplex(reason: string): VpnError {
  return new VpnError('VPN_RCC_TOO_COMPLEX', `The resource file ${reason}.`);
}

function readHeader(bytes: Buffer): Header {
  if (bytes.length < 8 || !bytes.subarray(0, 4).equals(RCC_MAGIC)) throw invalid('it does not start with "qres"');
  const version = bytes.readUInt32BE(4);
  if (version < 1 || version > 3) {
    throw new VpnError('VPN_RCC_UNSUPPORTED_VERSION', `The resource file has format version ${version}; Qt writes and reads versions 1 to 3.`);
  }
  if (bytes.length < headerSize(version)) throw invalid('it is cut off inside its header');
  const [tree, data, names] = [8, 12, 16].map((at) => bytes.readUInt32BE(at)) as [number, number, number];
  const flags = version >= 3 ? bytes.readUInt32BE(20) : 0;
  // qresource.cpp refuses overall flags it does not know (1 is zlib, 4 zstd).
  if ((flags & ~(FLAG_ZLIB | FLAG_ZSTD)) !== 0) throw invalid(`its header has unknown flags 0x${flags.toString(16)}`);
  for (const offset of [tree, data, names]) {
    if (offset < headerSize(version) || offset >= bytes.length) throw invalid('a section offset in its header points outside the file');
  }
  return { version: version as 1 | 2 | 3, tree, data, names, flags };
}

/** Byte ranges that must tile the file: no overlaps (shared or aliased data) and no unreferenced bytes. */
class Layout {
  private readonly ranges: { start: number; end: number; what: string }[] = [];

  add(start: number, end: number, what: string): void {
    this.ranges.push({ start, end, what });
  }

  check(length: number): void {
    this.ranges.sort((a, b) => a.start - b.start || a.end - b.end);
    let cursor = 0;
    let previous = 'the header';
    for (const range of this.ranges) {
      if (range.start < cursor) throw invalid(`${range.what} overlaps ${previous}`);
      if (range.start > cursor) throw invalid(`bytes ${cursor} to ${range.start - 1} belong to nothing in the file`);
      cursor = range.end;
      previous = range.what;
    }
    if (cursor !== length) throw invalid(`${length - cursor} bytes at its end belong to nothing in the file`);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A name record: uint16 length in UTF-16 units, uint32 qt_hash, the name in UTF-16BE. */
function readName(bytes: Buffer, at: number, limits: RccLimits): { name: string; hash: number; end: number } {
  if (at + 6 > bytes.length) throw invalid('a name lies outside the file');
  const length = bytes.readUInt16BE(at);
  const hash = bytes.readUInt32BE(at + 2);
  if (length > limits.maxNameLength) throw tooComplex(`has a name of ${length} characters; at most ${limits.maxNameLength} are accepted`);
  const end = at + 6 + 2 * length;
  if (end > bytes.length) throw invalid('a name runs past the end of the file');
  const units: number[] = [];
  for (let i = at + 6; i < end; i += 2) units.push(bytes.readUInt16BE(i));
  const name = String.fromCharCode(...units);
  if (name.length === 0 || name === '.' || name === '..' || /[/\0]/.test(name)) {
    throw invalid(`the name ${JSON.stringify(name)} cannot be a path segment`);
  }
  // A lone surrogate converts differently (or not at all) to UTF-8 in different tools.
  if (LONE_SURROGATE.test(name)) throw invalid(`the name ${JSON.stringify(name)} is not valid UTF-16`);
  if (qtHash(name) !== hash) throw invalid(`the name ${JSON.stringify(name)} carries the wrong hash, so Qt would not find it`);
  return { name, hash, end };
}

function compressionOf(flags: number, header: Header, path: string): RccCompression {
  if ((flags & ~(FLAG_ZLIB | FLAG_ZSTD)) !== 0 || (flags & FLAG_ZLIB && flags & FLAG_ZSTD)) {
    throw invalid(`the entry "${path}" has unknown flags 0x${flags.toString(16)}`);
  }
  // Qt 6's rcc writes zstd entries even with --format-version 1 or 2 (Qt 6 reads the flag in any
  // version). In version 3 it declares every algorithm it used in the header, so that Qt can refuse
  // what it cannot decode.
  if (header.version >= 3 && (flags & ~header.flags) !== 0) throw invalid(`the entry "${path}" uses a compression its header does not declare`);
  return flags & FLAG_ZSTD ? 'zstd' : flags & FLAG_ZLIB ? 'zlib' : 'none';
}

/**
 * Visits every node from the root, breadth first as rcc writes them, and collects the files'
 * stored data. Each node may be reached once: a second visit is a cycle or a shared subtree.
 */
type Entry = StoredEntry & { readonly lastModifiedMs: number | undefined };

function walkTree(bytes: Buffer, header: Header, limits: RccLimits, layout: Layout): Entry[] {
  const size = nodeSize(header.version);
  const nodeAt = (index: number): number => {
    const at = header.tree + index * size;
    if (at + size > bytes.length) throw invalid(`tree node ${index} lies outside the file`);
    return at;
  };
  // rcc stores a name used twice once; each record joins the layout once.
  const namesSeen = new Set<number>();
  const nameAt = (offset: number): { name: string; hash: number } => {
    const at = header.names + offset;
    const record = readName(bytes, at, limits);
    if (!namesSeen.has(at)) layout.add(at, record.end, `the name "${record.name}"`);
    namesSeen.add(at);
    return record;
  };

  const entries: Entry[] = [];
  const reached = new Set<number>([0]);
  const queue: Pending[] = [{ index: 0, path: '', depth: 0 }];
  for (let next = 0; next < queue.length; next++) {
    const { index, path, depth } = queue[next]!;
    const at = nodeAt(index);
    const flags = bytes.readUInt16BE(at + 4);
    if (index === 0 && flags !== FLAG_DIRECTORY) throw invalid('its root is not a directory');
    if (flags & FLAG_DIRECTORY) {
      if (flags !== FLAG_DIRECTORY) throw invalid(`the directory "${path}" has flags 0x${flags.toString(16)}`);
      if (depth > limits.maxDepth) throw tooComplex(`nests directories more than ${limits.maxDepth} deep`);
      const count = bytes.readUInt32BE(at + 6);
      const first = bytes.readUInt32BE(at + 10);
      if (reached.size + count > limits.maxEntries) throw tooComplex(`has more than ${limits.maxEntries} entries`);
      const seen = new Set<string>();
      let previousHash = -1;
      for (let child = first; child < first + count; child++) {
        if (reached.has(child)) throw invalid(`tree node ${child} is reached twice (a cycle, or a subtree shared by two directories)`);
        reached.add(child);
        const { name, hash } = nameAt(bytes.readUInt32BE(nodeAt(child)));
        const childPath = path === '' ? name : `${path}/${name}`;
        if (seen.has(name)) throw invalid(`"${childPath}" is listed twice`);
        if (hash < previousHash) throw invalid(`the directory "${path || '/'}" is not sorted by name hash, so Qt would miss some of it`);
        seen.add(name);
        previousHash = hash;
        queue.push({ index: child, path: childPath, depth: depth + 1 });
      }
    } else {
      const compression = compressionOf(flags, header, path);
      if (bytes.readUInt16BE(at + 6) !== DEFAULT_TERRITORY || bytes.readUInt16BE(at + 8) !== DEFAULT_LANGUAGE) {
        throw invalid(`the entry "${path}" is for one language only, so clients in other locales would not see it`);
      }
      const start = header.data + bytes.readUInt32BE(at + 10);
      if (start + 4 > bytes.length) throw invalid(`the data of "${path}" lies outside the file`);
      const end = start + 4 + bytes.readUInt32BE(start);
      if (end > bytes.length) throw invalid(`the data of "${path}" runs past the end of the file`);
      layout.add(start, end, `the data of "${path}"`);
      const lastModifiedMs = header.version >= 2 ? Number(bytes.readBigUInt64BE(at + 14)) : undefined;
      entries.push({ path, compression, stored: bytes.subarray(start + 4, end), lastModifiedMs });
    }
  }
  // Nodes no directory lists would be bytes that mean nothing to Qt.
  if (Math.max(...reached) + 1 !== reached.size) throw invalid('some tree nodes belong to no directory');
  layout.add(header.tree, header.tree + reached.size * size, 'the tree');
  return entries;
}

/** The entries with their declared sizes, every limit checked; nothing decoded yet. */
function readEntries(bytes: Buffer, limits: RccLimits): { version: 1 | 2 | 3; entries: Entry[]; sizes: number[] } {
  if (bytes.length > limits.maxFileBytes) {
    throw new VpnError('VPN_RCC_TOO_LARGE', `The resource file is ${bytes.length} bytes; at most ${limits.maxFileBytes} are accepted.`);
  }
  const header = readHeader(bytes);
  const layout = new Layout();
  layout.add(0, headerSize(header.version), 'the header');
  const entries = walkTree(bytes, header, limits, layout);
  layout.check(bytes.length);

  // Every declared size is checked before anything is inflated.
  const sizes = entries.map((entry) => declaredSize(entry, limits));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total > limits.maxTotalUncompressedBytes) {
    throw new VpnError('VPN_RCC_ENTRY_TOO_LARGE', `The resource file holds ${total} bytes uncompressed; at most ${limits.maxTotalUncompressedBytes} are accepted.`);
  }
  return { version: header.version, entries, sizes };
}

export interface ZstdFrame {
  readonly path: string;
  /** The checked frame (checkedZstdFrame). */
  readonly frame: Buffer;
  readonly size: number;
}

/**
 * The zstd entries of a resource that passes every other check, their frames checked: what the
 * caller decodes (within a deadline) and hands back to readRcc as `decoded`, keyed by path.
 */
export function zstdFramesOf(bytes: Buffer, limits: RccLimits = RCC): ZstdFrame[] {
  const { entries, sizes } = readEntries(bytes, limits);
  return entries.flatMap((entry, i) => (entry.compression === 'zstd' ? [{ path: entry.path, frame: checkedZstdFrame(entry, limits), size: sizes[i]! }] : []));
}

export function readRcc(bytes: Buffer, limits: RccLimits = RCC, decoded: ReadonlyMap<string, Buffer> = new Map()): RccResource {
  const { version, entries, sizes } = readEntries(bytes, limits);
  const files = entries.map((entry, i): RccFile => ({
    path: entry.path,
    bytes: inflateEntry(entry, sizes[i]!, limits, decoded.get(entry.path)),
    compression: entry.compression,
    lastModifiedMs: entry.lastModifiedMs,
  }));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { version, files };
}
