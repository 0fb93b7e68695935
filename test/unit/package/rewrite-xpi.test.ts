import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addUpdateKeyToInstallRdf, rewriteXpiInstallRdf } from '../../../src/package/install-key.ts';
import { parseInstallRdf } from '../../../src/package/install-rdf.ts';
import { PackageError } from '../../../src/package/package-errors.ts';
import { openZip, type ZipArchive } from '../../../src/package/zip-reader.ts';
import { buildXpi, webextManifest } from '../../helpers/build-xpi.ts';
import { rawZip } from '../../helpers/raw-zip.ts';
import { codeOf } from './expect-code.ts';

const VECTORS = new URL('../../fixtures/mccoy/', import.meta.url);
const TEST1 = readFileSync(new URL('mccoy-selftest-test1/install.rdf', VECTORS), 'utf8');
const NEW_KEY = parseInstallRdf(readFileSync(new URL('mccoy-selftest-test4/install.rdf', VECTORS))).updateKey!;
const URL_IN = 'https://updates.example.org/update.rdf';

async function contents(zip: ZipArchive): Promise<Map<string, Buffer>> {
  const map = new Map<string, Buffer>();
  for (const entry of zip.entries) map.set(entry.name, await zip.read(entry.name));
  return map;
}

function metadata(zip: ZipArchive) {
  return zip.entries.map(({ name, isDirectory, compressionMethod, lastModified, hasExtendedTimestamp, unixMode, uncompressedSize }) => ({
    name, isDirectory, compressionMethod, time: lastModified.getTime(), hasExtendedTimestamp, unixMode,
    uncompressedSize: name === 'install.rdf' ? 'changed' : uncompressedSize,
  }));
}

describe('rewriteXpiInstallRdf', () => {
  it('changes only install.rdf: other entries keep bytes, names, order, timestamps and methods', async () => {
    const binary = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
    const original = await buildXpi(
      {
        'chrome.manifest': 'content test chrome/content/\n',
        'install.rdf': TEST1,
        'chrome/content/overlay.js': '// js\n'.repeat(200),
        'chrome/skin/icon.png': binary,
        'defaults/preferences/prefs.js': '',
      },
      { directories: ['chrome/', 'chrome/content/'], mtime: new Date('2011-05-06T07:08:10Z'), comment: 'built by hand' },
    );
    const rewritten = await rewriteXpiInstallRdf(original, (text) => addUpdateKeyToInstallRdf(text, NEW_KEY, URL_IN));

    const before = await openZip(original);
    const after = await openZip(rewritten);
    expect(metadata(after)).toEqual(metadata(before));
    expect(after.comment.toString('latin1')).toBe('built by hand');
    const a = await contents(before);
    const b = await contents(after);
    for (const [name, bytes] of a) {
      if (name !== 'install.rdf') expect(b.get(name)!.equals(bytes), name).toBe(true);
    }
    const rdf = b.get('install.rdf')!.toString('utf8');
    expect(rdf).toBe(addUpdateKeyToInstallRdf(TEST1, NEW_KEY, URL_IN));
    expect(parseInstallRdf(b.get('install.rdf')!)).toMatchObject({ updateKey: NEW_KEY, updateURL: URL_IN });
  });

  it('keeps stored entries stored, DOS-only timestamps DOS-only, and Unix modes', async () => {
    const original = rawZip([
      { name: 'install.rdf', data: TEST1, method: 8, dosDate: 0x3c21, dosTime: 0x5a6b, externalAttributes: (0o100644 << 16) >>> 0 },
      { name: 'run.sh', data: '#!/bin/sh\necho hi\n', externalAttributes: (0o100755 << 16) >>> 0, dosDate: 0x4d6f, dosTime: 0x8421 },
    ]);
    const rewritten = await rewriteXpiInstallRdf(original, (text) => text.replace('TaskHandler tests', 'Renamed'));
    const before = await openZip(original);
    const after = await openZip(rewritten);
    expect(metadata(after)).toEqual(metadata(before));
    expect(after.entries.map((e) => e.unixMode)).toEqual([0o100644, 0o100755]);
    expect(after.entries.map((e) => e.compressionMethod)).toEqual([8, 0]);
    expect(after.entries.every((e) => !e.hasExtendedTimestamp)).toBe(true);
    expect(parseInstallRdf(await after.read('install.rdf')).name).toBe('Renamed');
  });

  it('keeps a UTF-8 BOM on install.rdf', async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEST1)]);
    const rewritten = await rewriteXpiInstallRdf(await buildXpi({ 'install.rdf': withBom }), (t) => addUpdateKeyToInstallRdf(t, NEW_KEY));
    const bytes = await (await openZip(rewritten)).read('install.rdf');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(parseInstallRdf(bytes).updateKey).toBe(NEW_KEY);
  });

  it('XPI_NO_INSTALL_RDF for a WebExtension', async () => {
    const xpi = await buildXpi({ 'manifest.json': webextManifest({ id: 'a@b.c' }) });
    expect(await codeOf(rewriteXpiInstallRdf(xpi, (t) => t))).toBe('XPI_NO_INSTALL_RDF');
  });

  it('lets the transform\'s own errors through unchanged', async () => {
    const xpi = await buildXpi({ 'install.rdf': TEST1 });
    expect(await codeOf(rewriteXpiInstallRdf(xpi, (t) => addUpdateKeyToInstallRdf(t, 'bogus')))).toBe('UPDATE_KEY_INVALID');
    const plain = new Error('caller bug');
    await expect(rewriteXpiInstallRdf(xpi, () => { throw plain; })).rejects.toBe(plain);
  });

  it('refuses hostile archives before transforming anything', async () => {
    let called = false;
    const evil = rawZip([{ name: 'install.rdf', data: TEST1 }, { name: '../../outside', data: 'x' }]);
    const err = await rewriteXpiInstallRdf(evil, (t) => ((called = true), t)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageError);
    expect((err as PackageError).code).toBe('ZIP_UNSAFE_PATH');
    expect(called).toBe(false);
  });
});
