import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RandomAccessReader } from 'yauzl';
import { PackageError } from '../../../src/package/package-errors.ts';
import { openZip, DEFAULT_ZIP_LIMITS } from '../../../src/package/zip-reader.ts';
import { buildXpi, FIXED_MTIME } from '../../helpers/build-xpi.ts';
import { deflatedZeros, rawZip } from '../../helpers/raw-zip.ts';
import { codeOf } from './expect-code.ts';

class BufferReader extends RandomAccessReader {
  closed = 0;
  constructor(private readonly bytes: Buffer) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return Readable.from([this.bytes.subarray(start, end)]);
  }
  override close(callback: (err: Error | null) => void): void {
    this.closed += 1;
    callback(null);
  }
}

describe('openZip on well-formed archives', () => {
  it('lists entries in order and reads their bytes', async () => {
    const binary = Buffer.from([0, 1, 2, 255, 254]);
    const xpi = await buildXpi({ 'install.rdf': '<RDF/>', 'chrome/content/a.js': 'x = 1;', 'icon.png': binary }, { directories: ['chrome/'] });
    const zip = await openZip(xpi);
    expect(zip.entries.map((e) => e.name)).toEqual(['chrome/', 'install.rdf', 'chrome/content/a.js', 'icon.png']);
    expect(zip.entries[0]!.isDirectory).toBe(true);
    expect(zip.entries[1]!).toMatchObject({ isDirectory: false, uncompressedSize: 6, compressionMethod: 8 });
    expect(zip.entries[1]!.lastModified.getTime()).toBe(FIXED_MTIME.getTime());
    expect(zip.entries[1]!.hasExtendedTimestamp).toBe(true);
    expect(zip.has('install.rdf')).toBe(true);
    expect(zip.has('missing.txt')).toBe(false);
    expect((await zip.read('chrome/content/a.js')).toString()).toBe('x = 1;');
    expect(await zip.read('icon.png')).toEqual(binary);
    zip.close();
  });

  it('reads stored entries and an archive comment', async () => {
    const xpi = await buildXpi({ 'a.txt': 'hello' }, { compress: false, comment: 'made by test' });
    const zip = await openZip(xpi);
    expect(zip.entries[0]!.compressionMethod).toBe(0);
    expect(zip.comment.toString('latin1')).toBe('made by test');
    expect((await zip.read('a.txt')).toString()).toBe('hello');
  });

  it('works through a RandomAccessReader and closes it with the archive', async () => {
    const xpi = await buildXpi({ 'manifest.json': '{}' });
    const reader = new BufferReader(xpi);
    const zip = await openZip({ reader, size: xpi.length });
    expect((await zip.read('manifest.json')).toString()).toBe('{}');
    expect(reader.closed).toBe(0);
    zip.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.closed).toBe(1);
  });

  it('closes the reader when the archive is refused', async () => {
    const bad = rawZip([{ name: '../x', data: 'x' }]);
    const reader = new BufferReader(bad);
    expect(await codeOf(openZip({ reader, size: bad.length }))).toBe('ZIP_UNSAFE_PATH');
    expect(reader.closed).toBe(1);
    const notZip = Buffer.from('plain text');
    const reader2 = new BufferReader(notZip);
    expect(await codeOf(openZip({ reader: reader2, size: notZip.length }))).toBe('ZIP_INVALID');
    expect(reader2.closed).toBe(1);
  });

  it('accepts small highly compressible entries below the ratio threshold', async () => {
    const zeros = Buffer.alloc(512 * 1024);
    const zip = await openZip(rawZip([{ name: 'zeros.bin', data: zeros, method: 8 }]));
    expect(zip.entries[0]!.uncompressedSize / zip.entries[0]!.compressedSize).toBeGreaterThan(DEFAULT_ZIP_LIMITS.maxCompressionRatio);
    expect((await zip.read('zeros.bin')).equals(zeros)).toBe(true);
  });

  it('accepts archives the raw writer builds correctly (so the negative tests below are meaningful)', async () => {
    const zip = await openZip(rawZip([{ name: 'a.txt', data: 'aaa', method: 8 }, { name: 'dir/b.txt', data: 'b' }]));
    expect((await zip.read('a.txt')).toString()).toBe('aaa');
    expect((await zip.read('dir/b.txt')).toString()).toBe('b');
  });
});

describe('openZip refuses broken or hostile archives', () => {
  it('ZIP_INVALID: not a zip, empty, truncated, bad central directory', async () => {
    const good = await buildXpi({ 'a.txt': 'hello world' });
    expect(await codeOf(openZip(Buffer.from('this is not a zip file at all')))).toBe('ZIP_INVALID');
    expect(await codeOf(openZip(Buffer.alloc(0)))).toBe('ZIP_INVALID');
    expect(await codeOf(openZip(good.subarray(0, good.length - 10)))).toBe('ZIP_INVALID');
    expect(await codeOf(openZip(good.subarray(30)))).toBe('ZIP_INVALID');
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'a' }], { centralDirectoryOffset: 5 })))).toBe('ZIP_INVALID');
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'a' }], { centralDirectoryOffset: 1_000_000 })))).toBe('ZIP_INVALID');
  });

  it('ZIP_INVALID keeps the library error as its cause', async () => {
    const err = await openZip(Buffer.from('not a zip')).catch((e: unknown) => e);
    expect((err as PackageError).code).toBe('ZIP_INVALID');
    expect((err as PackageError).cause).toBeInstanceOf(Error);
  });

  it('ZIP_INVALID: a forged entry count or central-directory size that does not match the records', async () => {
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'a' }], { entryCount: 3 })))).toBe('ZIP_INVALID');
    // yauzl walks records by count; a forged size field alone must not make it read garbage.
    const zip = await openZip(rawZip([{ name: 'a', data: 'a' }], { centralDirectorySize: 0xffff }));
    expect((await zip.read('a')).toString()).toBe('a');
  });

  it('ZIP_TOO_MANY_ENTRIES: over the limit, and a forged huge count, refused before walking', async () => {
    const three = rawZip([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    expect(await codeOf(openZip(three, { maxEntries: 2 }))).toBe('ZIP_TOO_MANY_ENTRIES');
    expect((await openZip(three, { maxEntries: 3 })).entries).toHaveLength(3);
    expect(await codeOf(openZip(rawZip([{ name: 'a' }], { entryCount: 0xffff })))).toBe('ZIP_TOO_MANY_ENTRIES');
  });

  it('ZIP_BOMB: 200 MiB of zeros deflated to a few hundred KiB (compression ratio)', async () => {
    const size = 200 * 1024 * 1024;
    const kernel = await deflatedZeros(size);
    const bomb = rawZip([{ name: 'zeros.bin', method: 8, payload: kernel, uncompressedSize: size, crc32: 0 }]);
    expect(await codeOf(openZip(bomb))).toBe('ZIP_BOMB');
  });

  it('ZIP_BOMB: declared entry size or total size over the limit', async () => {
    const big = rawZip([{ name: 'big', method: 8, data: Buffer.alloc(3000, 7) }]);
    expect(await codeOf(openZip(big, { maxEntryUncompressedBytes: 2000 }))).toBe('ZIP_BOMB');
    const two = rawZip([
      { name: 'a', data: Buffer.alloc(1500, 1) },
      { name: 'b', data: Buffer.alloc(1500, 2) },
    ]);
    expect(await codeOf(openZip(two, { maxTotalUncompressedBytes: 2000 }))).toBe('ZIP_BOMB');
    expect((await openZip(two, { maxTotalUncompressedBytes: 3000 })).entries).toHaveLength(2);
    // A forged size alone (data tiny, declared 4 GiB - 1) is caught from the central directory.
    const forged = rawZip([{ name: 'f', method: 8, data: 'x', uncompressedSize: 0xffffffff }]);
    expect(await codeOf(openZip(forged))).toBe('ZIP_BOMB');
  });

  it('ZIP_BOMB: overlapping entries sharing one compressed kernel', async () => {
    const kernel = Buffer.alloc(1000, 9);
    const overlapping = rawZip([
      { name: 'a', data: kernel, method: 8 },
      { name: 'b', data: kernel, method: 8, omitLocal: true, localHeaderOffset: 0 },
    ]);
    expect(await codeOf(openZip(overlapping))).toBe('ZIP_BOMB');
  });

  it('ZIP_BOMB: real data larger than declared is stopped while reading', async () => {
    const data = Buffer.alloc(100_000, 1);
    const lying = rawZip([{ name: 'lie.bin', method: 8, data, uncompressedSize: 1000 }]);
    const zip = await openZip(lying);
    expect(await codeOf(zip.read('lie.bin'))).toBe('ZIP_BOMB');
  });

  it.each([
    ['../evil.js'],
    ['chrome/../../evil.js'],
    ['..'],
    ['/etc/passwd'],
    ['C:\\Windows\\evil.dll'],
    ['C:/Windows/evil.dll'],
    ['c:evil'],
    ['chrome\\content\\a.js'],
    ['a\u0000b'],
    [''],
  ])('ZIP_UNSAFE_PATH: %j', async (name) => {
    expect(await codeOf(openZip(rawZip([{ name, data: 'x' }])))).toBe('ZIP_UNSAFE_PATH');
  });

  it('allows names that merely contain dots', async () => {
    const zip = await openZip(rawZip([{ name: 'a..b/..c/d..', data: 'x' }, { name: '.hidden', data: 'y' }]));
    expect(zip.entries.map((e) => e.name)).toEqual(['a..b/..c/d..', '.hidden']);
  });

  it('ZIP_ENCRYPTED: traditional and strong encryption flags', async () => {
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'x', flags: 0x1, compressedSize: 13 }])))).toBe('ZIP_ENCRYPTED');
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'x', method: 8, flags: 0x1 }])))).toBe('ZIP_ENCRYPTED');
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'x', method: 8, flags: 0x41 }])))).toBe('ZIP_ENCRYPTED');
  });

  it('ZIP_DUPLICATE_ENTRY', async () => {
    const dup = rawZip([{ name: 'install.rdf', data: 'one' }, { name: 'install.rdf', data: 'two' }]);
    expect(await codeOf(openZip(dup))).toBe('ZIP_DUPLICATE_ENTRY');
  });

  it('ZIP_UNSUPPORTED: bzip2 / LZMA entries and multi-disk archives', async () => {
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'x', method: 12 }])))).toBe('ZIP_UNSUPPORTED');
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'x', method: 14 }])))).toBe('ZIP_UNSUPPORTED');
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'x' }], { diskNumber: 1 })))).toBe('ZIP_UNSUPPORTED');
  });

  it('ZIP_INVALID: a stored entry whose sizes disagree', async () => {
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'abc', uncompressedSize: 2 }])))).toBe('ZIP_INVALID');
  });
});

describe('ZipArchive.read', () => {
  it('ZIP_ENTRY_NOT_FOUND and ZIP_ENTRY_TOO_LARGE', async () => {
    const zip = await openZip(await buildXpi({ 'manifest.json': 'x'.repeat(100) }));
    expect(await codeOf(zip.read('nope.json'))).toBe('ZIP_ENTRY_NOT_FOUND');
    expect(await codeOf(zip.read('manifest.json', 99))).toBe('ZIP_ENTRY_TOO_LARGE');
    expect((await zip.read('manifest.json', 100)).length).toBe(100);
  });

  it('ZIP_INVALID: CRC mismatch, short data, corrupt deflate stream, local header disagreeing', async () => {
    const crc = await openZip(rawZip([{ name: 'a', data: 'hello', crc32: 1234 }]));
    expect(await codeOf(crc.read('a'))).toBe('ZIP_INVALID');

    const short = await openZip(rawZip([{ name: 'a', method: 8, data: 'hello', uncompressedSize: 50 }]));
    expect(await codeOf(short.read('a'))).toBe('ZIP_INVALID');

    const garbage = await openZip(rawZip([{ name: 'a', method: 8, payload: Buffer.from([0xff, 0xff, 0xff, 0xff]), uncompressedSize: 4 }]));
    expect(await codeOf(garbage.read('a'))).toBe('ZIP_INVALID');

  });

  it('ZIP_HEADER_MISMATCH: a local header disagreeing, for any entry, is refused at open', async () => {
    expect(await codeOf(openZip(rawZip([{ name: 'install.rdf', data: 'x', localName: 'evil.rdfx' }])))).toBe('ZIP_HEADER_MISMATCH');
    expect(await codeOf(openZip(rawZip([{ name: 'a', data: 'x' }, { name: 'b', data: 'x', localMethod: 8 }])))).toBe('ZIP_HEADER_MISMATCH');
  });

  it('ZIP_INVALID: file data running past the end of the archive', async () => {
    expect(await codeOf(openZip(rawZip([{ name: 'a', method: 8, data: 'hello', compressedSize: 100_000 }])))).toBe('ZIP_INVALID');
  });
});
