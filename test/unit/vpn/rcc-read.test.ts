import { describe, expect, it } from 'vitest';
import { RCC } from '../../../src/limits.ts';
import { FLAG_DIRECTORY, FLAG_ZLIB, FLAG_ZSTD } from '../../../src/vpn/rcc-format.ts';
import { readRcc } from '../../../src/vpn/rcc-read.ts';
import { encodeRcc, rccOf, type RawRcc } from './rcc-build.ts';
import { fixture, SOURCES, vpnCode } from './vpn-fixtures.ts';

/** Path → content of what readRcc found. */
function contents(bytes: Buffer): Record<string, string> {
  return Object.fromEntries(readRcc(bytes).files.map((f) => [f.path, f.bytes.toString('latin1')]));
}

const expected = Object.fromEntries(Object.entries(SOURCES).map(([p, b]) => [p, b.toString('latin1')]));

/** root → a.txt and b.txt; each test breaks one thing. */
const base: RawRcc = {
  version: 3,
  names: ['a.txt', 'b.txt'],
  blobs: [Buffer.from('A'), Buffer.from('B')],
  nodes: [
    { flags: FLAG_DIRECTORY, count: 2, first: 1 },
    { name: 0, flags: 0, blob: 0 },
    { name: 1, flags: 0, blob: 1 },
  ],
};

describe('readRcc on files from Qt 6.4 rcc', () => {
  it.each([
    ['v1', 1, 'zstd'],
    ['v2', 2, 'zstd'],
    ['zstd', 3, 'zstd'],
    ['zlib', 3, 'zlib'],
    ['none', 3, 'none'],
  ] as const)('reads %s (format %i, %s)', (name, version, compression) => {
    const resource = readRcc(fixture(name));
    expect(resource.version).toBe(version);
    expect(contents(fixture(name))).toEqual(expected);
    expect(resource.files.find((f) => f.path === 'i18n/locale_en.xml')!.compression).toBe(compression);
    expect(resource.files.find((f) => f.path === 'manifest.json')!.compression).toBe('none');
    // QT_RCC_SOURCE_DATE_OVERRIDE=1700000000; version 1 has no times.
    for (const file of resource.files) expect(file.lastModifiedMs).toBe(version === 1 ? undefined : 1_700_000_000_000);
  });

  it('keeps the qresource prefix in the paths', () => {
    expect(Object.keys(contents(fixture('prefixed')))).toEqual(Object.keys(expected).map((p) => `addon/${p}`).sort());
  });
});

describe('readRcc on files from the test writer', () => {
  it.each([1, 2, 3] as const)('round-trips every compression in format %i', (version) => {
    const files = { 'a.txt': 'alpha', 'dir/b.txt': 'beta'.repeat(50), 'dir/sub/c': '', 'dir/sub/d.json': '{}' };
    for (const compression of ['none', 'zlib', 'zstd'] as const) {
      expect(contents(rccOf(files, { version, compression }))).toEqual(files);
    }
  });

  it('reads an empty resource', () => {
    expect(readRcc(encodeRcc({ version: 3, names: [], blobs: [], nodes: [{ flags: FLAG_DIRECTORY }] })).files).toEqual([]);
  });

  it('reads the base case of the hostile tests', () => {
    expect(contents(encodeRcc(base))).toEqual({ 'a.txt': 'A', 'b.txt': 'B' });
  });
});

describe('readRcc refuses what readers could disagree on', () => {
  const withNodes = (nodes: RawRcc['nodes'], more: Partial<RawRcc> = {}): Buffer => encodeRcc({ ...base, nodes, ...more });
  const root = base.nodes[0]!;

  it.each([
    ['not "qres"', Buffer.from('QRES\0\0\0\x03'), 'VPN_RCC_INVALID'],
    ['empty', Buffer.alloc(0), 'VPN_RCC_INVALID'],
    ['version 0', Buffer.concat([Buffer.from('qres'), Buffer.alloc(20)]), 'VPN_RCC_UNSUPPORTED_VERSION'],
    ['version 4', Buffer.concat([Buffer.from('qres\0\0\0\x04'), Buffer.alloc(16)]), 'VPN_RCC_UNSUPPORTED_VERSION'],
  ])('refuses a file that is %s', (_, bytes, code) => {
    expect(vpnCode(() => readRcc(bytes))).toBe(code);
  });

  it.each([
    ['trailing bytes', encodeRcc({ ...base, trailing: Buffer.from('x') })],
    ['unknown header flags', encodeRcc({ ...base, flags: 0x8 })],
    ['the directory flag in the header', encodeRcc({ ...base, flags: FLAG_DIRECTORY })],
    ['a blob no file uses', encodeRcc({ ...base, blobs: [...base.blobs, Buffer.from('hidden')] })],
    ['a name no node uses', encodeRcc({ ...base, names: [...base.names, 'hidden'] })],
    ['a node no directory lists', withNodes([...base.nodes, { name: 0, flags: 0, blob: 0 }])],
    ['a cycle through the root', withNodes([root, { name: 0, flags: FLAG_DIRECTORY, count: 1, first: 0 }, base.nodes[2]!])],
    ['a directory containing itself', withNodes([root, { name: 0, flags: FLAG_DIRECTORY, count: 1, first: 1 }, base.nodes[2]!])],
    [
      'a directory containing its parent',
      encodeRcc({
        version: 3,
        names: ['a', 'b'],
        blobs: [],
        nodes: [
          { flags: FLAG_DIRECTORY, count: 1, first: 1 },
          { name: 0, flags: FLAG_DIRECTORY, count: 1, first: 2 },
          { name: 1, flags: FLAG_DIRECTORY, count: 1, first: 1 },
        ],
      }),
    ],
    [
      'a node listed by two directories',
      encodeRcc({
        version: 3,
        names: ['a', 'b', 'c'],
        blobs: [Buffer.from('C')],
        nodes: [
          { flags: FLAG_DIRECTORY, count: 2, first: 1 },
          { name: 0, flags: FLAG_DIRECTORY, count: 1, first: 3 },
          { name: 1, flags: FLAG_DIRECTORY, count: 1, first: 3 },
          { name: 2, flags: 0, blob: 0 },
        ],
      }),
    ],
    ['a child index outside the tree', withNodes([{ ...root, count: 3 }, ...base.nodes.slice(1)])],
    ['a child index far outside the tree', withNodes([{ ...root, first: 0xfffffff0 }, ...base.nodes.slice(1)])],
    ['two files sharing data', withNodes([root, base.nodes[1]!, { name: 1, flags: 0, blob: 0 }], { blobs: [Buffer.from('A')] })],
    // The second file's length field is the first file's first (zero) bytes.
    ['data starting inside another file\'s data', withNodes([root, base.nodes[1]!, { name: 1, flags: 0, dataOffset: 4 }], { blobs: [Buffer.alloc(8)] })],
    ['data outside the file', withNodes([root, base.nodes[1]!, { name: 1, flags: 0, dataOffset: 0xffffff00 }])],
    ['a name outside the file', withNodes([root, { ...base.nodes[1]!, nameOffset: 0xffffff00 }, base.nodes[2]!])],
    ['a root that is a file', withNodes([{ flags: 0, blob: 0 }])],
    ['a root with the zlib flag', withNodes([{ ...root, flags: FLAG_DIRECTORY | FLAG_ZLIB }, ...base.nodes.slice(1)], { flags: FLAG_ZLIB })],
    ['a directory with the zlib flag', withNodes([root, { name: 0, flags: FLAG_DIRECTORY | FLAG_ZLIB, count: 0, first: 3 }, { name: 1, flags: 0, blob: 0 }], { flags: FLAG_ZLIB, blobs: [Buffer.from('B')] })],
    ['an unknown node flag', withNodes([root, { ...base.nodes[1]!, flags: 0x8 }, base.nodes[2]!])],
    ['both zlib and zstd on one file', withNodes([root, { ...base.nodes[1]!, flags: FLAG_ZLIB | FLAG_ZSTD }, base.nodes[2]!], { flags: FLAG_ZLIB | FLAG_ZSTD })],
    ['a compression the header does not declare', withNodes([root, { ...base.nodes[1]!, flags: FLAG_ZLIB }, base.nodes[2]!])],
    ['a file for one language', withNodes([root, { ...base.nodes[1]!, language: 0x2a }, base.nodes[2]!])],
    ['a file for one territory', withNodes([root, { ...base.nodes[1]!, territory: 0x52 }, base.nodes[2]!])],
    ['the same name twice', encodeRcc({ ...base, names: ['a.txt'], nodes: [root, base.nodes[1]!, { ...base.nodes[2]!, name: 0 }] })],
    ['children not sorted by hash', encodeRcc({ ...base, names: ['b.txt', 'a.txt'] })],
    ['a wrong name hash', encodeRcc({ ...base, names: [{ name: 'a.txt', hash: 1 }, 'b.txt'] })],
    ['a name with a slash', encodeRcc({ ...base, names: ['a/txt', 'b.txt'] })],
    ['a name with a NUL', encodeRcc({ ...base, names: ['a\0txt', 'b.txt'] })],
    ['the name "."', encodeRcc({ ...base, names: ['.', 'b.txt'] })],
    ['the name ".."', encodeRcc({ ...base, names: ['..', 'b.txt'] })],
    ['an empty name', encodeRcc({ ...base, names: ['', 'b.txt'] })],
    ['a lone surrogate in a name', encodeRcc({ ...base, names: ['a\ud800', 'b.txt'] })],
  ])('refuses %s', (_, bytes) => {
    expect(vpnCode(() => readRcc(bytes))).toBe('VPN_RCC_INVALID');
  });

  it('refuses section offsets outside the file', () => {
    const bytes = encodeRcc(base);
    bytes.writeUInt32BE(bytes.length, 8);
    expect(vpnCode(() => readRcc(bytes))).toBe('VPN_RCC_INVALID');
  });
});

describe('readRcc limits', () => {
  const deep = (depth: number): string => `${Array.from({ length: depth }, (_, i) => `d${i}`).join('/')}/f`;

  it('refuses a file over the size limit before reading it', () => {
    expect(vpnCode(() => readRcc(Buffer.alloc(RCC.maxFileBytes + 1)))).toBe('VPN_RCC_TOO_LARGE');
  });

  it('refuses too many entries, too deep a tree, too long a name', () => {
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, 'x']));
    expect(readRcc(rccOf(many), { ...RCC, maxEntries: 21 }).files).toHaveLength(20);
    expect(vpnCode(() => readRcc(rccOf(many), { ...RCC, maxEntries: 20 }))).toBe('VPN_RCC_TOO_COMPLEX');
    expect(readRcc(rccOf({ [deep(4)]: 'x' }), { ...RCC, maxDepth: 4 }).files).toHaveLength(1);
    expect(vpnCode(() => readRcc(rccOf({ [deep(5)]: 'x' }), { ...RCC, maxDepth: 4 }))).toBe('VPN_RCC_TOO_COMPLEX');
    expect(vpnCode(() => readRcc(rccOf({ ['n'.repeat(RCC.maxNameLength + 1)]: 'x' })))).toBe('VPN_RCC_TOO_COMPLEX');
  });
});
