import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readRcc } from '../../../src/vpn/rcc-read.ts';
import { findVpnManifest } from '../../../src/vpn/vpn-manifest.ts';
import { buildWithRcc, rccVersion, requireRcc } from '../../helpers/qt-rcc.ts';
import { fixture, SOURCES, vpnCode } from './vpn-fixtures.ts';

/**
 * The reader against Qt's own rcc at run time, for every format and compression it writes. Under
 * CI=true a missing rcc fails this file; elsewhere it is skipped with a warning.
 */
const haveRcc = requireRcc();

const OPTIONS = [
  ['default (format 3, zstd)', []],
  ['--format-version 1', ['--format-version', '1']],
  ['--format-version 2', ['--format-version', '2']],
  ['--compress-algo zlib', ['--compress-algo', 'zlib']],
  ['--compress-algo zlib --format-version 1', ['--compress-algo', 'zlib', '--format-version', '1']],
  ['--no-compress', ['--no-compress']],
  ['--compress 9 --threshold 0', ['--compress', '9', '--threshold', '0']],
] as const;

/** Text with structure (multi-block zstd with Huffman literals and FSE tables), noise, and a tree. */
const FILES: Record<string, Buffer> = {
  ...SOURCES,
  'i18n/big.txt': Buffer.from(Array.from({ length: 30000 }, (_, i) => `entry ${i % 1013}: ${'abcdefghij'.slice(i % 10)}`).join('\n')),
  'noise.bin': randomBytes(3000),
  'empty.txt': Buffer.alloc(0),
  ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`tree/d${i % 5}/d${i % 3}/file-${i}.txt`, Buffer.from(`file ${i}\n`.repeat(i))])),
};

function sorted(files: Record<string, Buffer>): [string, string][] {
  return Object.entries(files)
    .map(([p, b]): [string, string] => [p, b.toString('base64')])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe.skipIf(!haveRcc)('readRcc on files Qt rcc writes at run time', () => {
  it.each(OPTIONS)('reads back every file with %s', (_, args) => {
    const resource = readRcc(buildWithRcc(FILES, args));
    expect(resource.files.map((f): [string, string] => [f.path, f.bytes.toString('base64')])).toEqual(sorted(FILES));
  });

  it('uses every compression it was asked for', () => {
    const used = (args: readonly string[]) => new Set(readRcc(buildWithRcc(FILES, args)).files.map((f) => f.compression));
    expect(used([])).toEqual(new Set(['none', 'zstd']));
    expect(used(['--compress-algo', 'zlib'])).toEqual(new Set(['none', 'zlib']));
    expect(used(['--no-compress'])).toEqual(new Set(['none']));
  });

  // Other Qt versions may lay files out differently; SOURCE.md names the one that made the fixtures.
  it.skipIf(!haveRcc || rccVersion() !== 'rcc 6.4.2')('rebuilds the committed fixture byte for byte with the same rcc', () => {
    expect(buildWithRcc(SOURCES).equals(fixture('zstd'))).toBe(true);
  });

  it('finds manifest.json only at the root, as the client does', () => {
    expect(findVpnManifest(readRcc(buildWithRcc(SOURCES)).files).bytes).toEqual(SOURCES['manifest.json']);
    expect(vpnCode(() => findVpnManifest(readRcc(buildWithRcc(SOURCES, [], '/addons/message_demo')).files))).toBe('VPN_MANIFEST_MISSING');
  });
});
