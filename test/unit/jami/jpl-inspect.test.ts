import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JPL_LIMITS, inspectJpl, platformOf } from '../../../src/jami/jpl-inspect.ts';
import { buildJpl, jplEntries, TEST_JPEG, TEST_SVG } from '../../helpers/jami-jpl.ts';
import { errorCode } from '../../helpers/jami-expect.ts';
import { rawZip } from '../../helpers/raw-zip.ts';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(16)]);

describe('inspectJpl', () => {
  it('describes a package: manifest, entries, ABIs, platform, images and locales', async () => {
    const pkg = await inspectJpl(
      await buildJpl({
        abis: ['x86_64-linux-gnu', 'arm64-v8a'],
        directories: ['data/', 'data/locale/'],
        files: {
          'data/icon.svg': TEST_SVG,
          'data/background.jpg': TEST_JPEG,
          'data/locale/TestPlugin_en.json': '{"description":"A test plugin"}',
          'data/locale/TestPlugin_fr_CA.json': '{"description":"Un plugiciel"}',
          'data/locale/Other_de.json': '{"description":"Nicht dieses"}',
        },
      }),
    );
    expect(pkg.manifest).toMatchObject({ id: 'TestPlugin', version: '1.0.0', iconPath: 'icon.svg', backgroundPath: 'background.jpg' });
    expect(pkg.entries).toEqual([
      'data/',
      'data/locale/',
      'manifest.json',
      'data/icon.svg',
      'data/background.jpg',
      'data/locale/TestPlugin_en.json',
      'data/locale/TestPlugin_fr_CA.json',
      'data/locale/Other_de.json',
      'lib/x86_64-linux-gnu/libTestPlugin.so',
      'lib/arm64-v8a/libTestPlugin.so',
    ]);
    // Only what the store keeps stays in memory; libraries and directories only stream past.
    expect([...pkg.files.keys()].sort()).toEqual(['data/background.jpg', 'data/icon.svg', 'data/locale/TestPlugin_en.json', 'data/locale/TestPlugin_fr_CA.json', 'manifest.json']);
    expect(pkg.entrySignatures).toBeUndefined();
    expect(pkg.abis).toEqual(['arm64-v8a', 'x86_64-linux-gnu']);
    expect(pkg.platform).toBe('desktop');
    expect(pkg.icon).toEqual({ entry: 'data/icon.svg', bytes: Buffer.from(TEST_SVG), contentType: 'image/svg+xml' });
    expect(pkg.background).toEqual({ entry: 'data/background.jpg', bytes: TEST_JPEG, contentType: 'image/jpeg' });
    expect(Object.keys(pkg.locales).sort()).toEqual(['en', 'fr_CA']);
    expect(pkg.locales.fr_CA?.description).toBe('Un plugiciel');
    expect(pkg.certificateEntry).toBe('TestPlugin.crt');
    expect(pkg.certificates).toEqual([]);
    expect(pkg.signatures).toBeUndefined();
    expect(pkg.signaturesBytes).toBeUndefined();
    expect(pkg.signaturesSig).toBeUndefined();
  });

  it('sniffs the icon type from its bytes, not its name, and reports missing images as undefined', async () => {
    const svgAsPng = await inspectJpl(await buildJpl({ manifest: { name: 'P', version: '1' }, files: { 'data/icon.png': TEST_SVG } }));
    expect(svgAsPng.icon?.contentType).toBe('image/svg+xml');
    expect(svgAsPng.background).toBeUndefined();
    const png = await inspectJpl(await buildJpl({ manifest: { name: 'P', version: '1' }, files: { 'data/icon.png': PNG } }));
    expect(png.icon?.contentType).toBe('image/png');
    const text = await inspectJpl(await buildJpl({ manifest: { name: 'P', version: '1' }, files: { 'data/icon.png': 'hello' } }));
    expect(text.icon?.contentType).toBeUndefined();
  });

  it.each([
    [['arm64-v8a', 'armeabi-v7a', 'x86_64'], 'android'],
    [['x64-windows'], 'desktop'],
    [['x86_64-apple-Darwin', 'arm64-apple-Darwin'], 'desktop'],
    [[], 'android'],
  ])('classifies ABIs %j as %s', async (abis, platform) => {
    const pkg = await inspectJpl(await buildJpl({ abis }));
    expect(pkg.abis).toEqual([...abis].sort());
    expect(pkg.platform).toBe(platform);
    expect(platformOf(abis)).toBe(platform);
  });

  it('counts an ABI folder given only as a directory entry, and ignores files directly in lib/', async () => {
    const pkg = await inspectJpl(await buildJpl({ abis: [], directories: ['lib/', 'lib/armeabi/'], files: { 'lib/README': 'x' } }));
    expect(pkg.abis).toEqual(['armeabi']);
  });

  it('reads only locale files whose language is a plain name, whatever else data/locale/ holds', async () => {
    const manifest = { name: 'manifest.json', data: '{"name":"P","version":"1"}' };
    const locale = (name: string) => ({ name: `data/locale/${name}`, data: '{"description":"d"}' });
    const pkg = await inspectJpl(rawZip([manifest, ...['P_en.json', 'P_fr-CA.json', 'P_.json', 'P_-x.json', 'P_en/evil.json', 'P_a.b.json', 'P_en.json.bak', 'Q_de.json'].map(locale)]));
    expect(Object.keys(pkg.locales).sort()).toEqual(['en', 'fr-CA']);
  });

  it('decodes the signatures map', async () => {
    const map = { 'manifest.json': new Uint8Array([1, 2, 3]), 'data/': new Uint8Array([4]) };
    const entries = jplEntries({ abis: [] });
    entries.push(['signatures', Buffer.from(encode(map))], ['signatures.sig', Buffer.from([9, 9])]);
    const pkg = await inspectJpl(rawZip(entries.map(([name, data]) => ({ name, data }))));
    expect(pkg.signatures).toEqual(new Map([['manifest.json', Buffer.from([1, 2, 3])], ['data/', Buffer.from([4])]]));
    expect(pkg.signaturesSig).toEqual(Buffer.from([9, 9]));
  });

  it.each([
    ['no manifest.json', rawZip([{ name: 'data/icon.png', data: PNG }]), 'JPL_NO_MANIFEST'],
    ['a manifest over 1 MiB', rawZip([{ name: 'manifest.json', data: `{"name":"P","version":"1","description":"${'x'.repeat(1024 * 1024)}"}` }]), 'JPL_MANIFEST_INVALID'],
    ['a broken manifest', rawZip([{ name: 'manifest.json', data: '{' }]), 'JPL_MANIFEST_INVALID'],
    ['an unusable ABI folder name', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'lib/x 86/libP.so', data: 'x' }]), 'JPL_ABI_INVALID'],
    ['a hidden ABI folder', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'lib/.x86/libP.so', data: 'x' }]), 'JPL_ABI_INVALID'],
    ['an ABI folder with ".."', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'lib/x86..64/libP.so', data: 'x' }]), 'JPL_ABI_INVALID'],
    ['an ABI folder starting with a dash', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'lib/-x86/', data: '' }]), 'JPL_ABI_INVALID'],
    ['an icon over 4 MiB', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'data/icon.png', data: Buffer.alloc(4 * 1024 * 1024 + 1) }]), 'JPL_MANIFEST_INVALID'],
    ['locale files over 1 MiB together', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, ...['en', 'fr'].map((lang) => ({ name: `data/locale/P_${lang}.json`, data: `{"a":"${'x'.repeat(600 * 1024)}"}` }))]), 'JPL_LOCALE_INVALID'],
    ['a corrupt library (checksum)', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'lib/x86/libP.so', data: Buffer.alloc(256 * 1024, 7), crc32: 0x12345678 }]), 'ZIP_INVALID'],
    ['a corrupt deflated library (checksum)', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'lib/x86/libP.so', data: 'library', method: 8, crc32: 1 }]), 'ZIP_INVALID'],
    ['a broken locale file', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'data/locale/P_en.json', data: '{' }]), 'JPL_LOCALE_INVALID'],
    ['an unreadable certificate', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'P.crt', data: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }]), 'JPL_CERT_INVALID'],
    ['signatures that are not msgpack', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'signatures', data: Buffer.from([0xc1]) }]), 'JPL_SIGNATURES_INVALID'],
    ['a ../ entry', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'data/../../x.so', data: 'x' }]), 'ZIP_UNSAFE_PATH'],
    ['an absolute entry', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: '/tmp/x.so', data: 'x' }]), 'ZIP_UNSAFE_PATH'],
    ['a backslash entry', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: '..\\x.so', data: 'x' }]), 'ZIP_UNSAFE_PATH'],
    ['a duplicate entry', rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'manifest.json', data: '{}' }]), 'ZIP_DUPLICATE_ENTRY'],
    ['not a ZIP', Buffer.from('not a zip at all, just text'), 'ZIP_INVALID'],
  ])('refuses %s', async (_, bytes, code) => {
    expect(await errorCode(inspectJpl(bytes))).toBe(code);
  });

  it('caps entries at 64 MiB and the package at 256 MiB by default, and takes other limits', async () => {
    expect(DEFAULT_JPL_LIMITS).toMatchObject({ maxEntryUncompressedBytes: 64 * 1024 * 1024, maxTotalUncompressedBytes: 256 * 1024 * 1024 });
    const big = rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'lib/x86/libP.so', data: Buffer.alloc(4096, 1) }]);
    expect((await inspectJpl(big)).abis).toEqual(['x86']);
    expect(await errorCode(inspectJpl(big, { maxEntryUncompressedBytes: 1024 }))).toBe('ZIP_BOMB');
    expect(await errorCode(inspectJpl(big, { maxTotalUncompressedBytes: 2048 }))).toBe('ZIP_BOMB');
    // A declared size the default cap refuses, without any real data behind it.
    const liar = rawZip([{ name: 'manifest.json', data: '{"name":"P","version":"1"}' }, { name: 'lib/x86/libP.so', data: 'x', method: 8, uncompressedSize: 65 * 1024 * 1024 }]);
    expect(await errorCode(inspectJpl(liar))).toBe('ZIP_BOMB');
  });
});
