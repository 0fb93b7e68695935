import { describe, expect, it } from 'vitest';
import { ICON } from '../../../src/limits.ts';
import { iconEntryName, installRdfIconEntry, pickManifestIcon, readPackageIcon } from '../../../src/package/addon-icon.ts';
import { inspectXpi } from '../../../src/package/inspect-xpi.ts';
import { openZip } from '../../../src/package/zip-reader.ts';
import { buildXpi, FIREFOX_ID, installRdf, webextManifest } from '../../helpers/build-xpi.ts';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 7)]);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
const FIREFOX = { id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' };

describe('pickManifestIcon', () => {
  it('takes the smallest size of at least 48 px', () => {
    expect(pickManifestIcon({ 16: 'a16.png', 32: 'a32.png', 128: 'a128.png', 64: 'a64.png', 48: 'a48.png' })).toBe('a48.png');
    expect(pickManifestIcon({ 16: 'a16.png', 96: 'a96.png', 64: 'a64.png' })).toBe('a64.png');
  });

  it('else the largest there is', () => {
    expect(pickManifestIcon({ 16: 'a16.png', 32: 'a32.png', 19: 'a19.png' })).toBe('a32.png');
  });

  it('skips keys that are no plain size and values that are no string, as browsers do', () => {
    expect(pickManifestIcon({ '48px': 'x.png', '064': 'y.png', 99999: 'huge.png', 48: 7, 32: 'ok.png' })).toBe('ok.png');
    expect(pickManifestIcon({ [String(ICON.maxPx + 1)]: 'huge.png' })).toBeUndefined();
  });

  it('has nothing for a missing or malformed map', () => {
    for (const icons of [undefined, null, 'icon.png', ['icon.png'], {}]) expect(pickManifestIcon(icons)).toBeUndefined();
  });
});

describe('iconEntryName', () => {
  it('reads the path as a URL against the package root would', () => {
    expect(iconEntryName('icons/a.png')).toBe('icons/a.png');
    expect(iconEntryName('/icons/a.png')).toBe('icons/a.png');
    expect(iconEntryName('./icons/a.png')).toBe('icons/a.png');
  });

  it('names no entry when a URL and a ZIP lookup could differ', () => {
    for (const path of ['', '/', '../a.png', 'icons/../a.png', 'a//b.png', 'a%20b.png', 'a\\b.png', 'a.png?x', 'a.png#x', 'chrome://x/skin/a.png', 'moz-extension://x/a.png', 'a\u0000.png']) {
      expect({ path, entry: iconEntryName(path) }).toEqual({ path, entry: undefined });
    }
  });
});

describe('installRdfIconEntry', () => {
  const zip = (...names: string[]) => ({ has: (n: string) => names.includes(n) });

  it('takes a path inside the package, else icon64.png, else icon.png', () => {
    expect(installRdfIconEntry('skin/logo.png', zip())).toEqual({ entry: 'skin/logo.png' });
    expect(installRdfIconEntry(undefined, zip('icon.png', 'icon64.png'))).toEqual({ entry: 'icon64.png' });
    expect(installRdfIconEntry(undefined, zip('icon.png'))).toEqual({ entry: 'icon.png' });
    expect(installRdfIconEntry(undefined, zip())).toEqual({});
  });

  it('skips a chrome:// URL with a warning, falling back to the default icon', () => {
    expect(installRdfIconEntry('chrome://x/skin/logo.png', zip())).toEqual({ warning: expect.stringContaining('chrome://') });
    expect(installRdfIconEntry('chrome://x/skin/logo.png', zip('icon.png'))).toEqual({ entry: 'icon.png', warning: expect.stringContaining('icon.png is shown instead') });
  });
});

describe('readPackageIcon', () => {
  // Stored, not deflated: an oversized run of zeros would otherwise be refused as a ZIP bomb first.
  const read = async (files: Record<string, Buffer | string>, entry: string) => readPackageIcon(await openZip(await buildXpi(files, { compress: false })), entry, 'manifest.json');

  it('reads an image and types it by its bytes, whatever its name says', async () => {
    const { icon } = await read({ 'i.gif': PNG }, 'i.gif');
    expect(icon).toEqual({ entry: 'i.gif', bytes: PNG, contentType: 'image/png' });
  });

  it('warns, with no icon, about a missing, oversized, non-image or SVG entry', async () => {
    expect((await read({ 'a.png': PNG }, 'b.png')).warning).toContain('is not in the package');
    expect((await read({ 'a.png': Buffer.concat([PNG, Buffer.alloc(ICON.maxBytes)]) }, 'a.png')).warning).toContain('more than the');
    expect((await read({ 'a.png': 'not an image' }, 'a.png')).warning).toContain('is not a PNG, JPEG, GIF or WebP');
    expect((await read({ 'a.png': SVG }, 'a.png')).warning).toContain('SVG');
  });
});

describe('inspectXpi: icons', () => {
  const webext = (icons: unknown) => webextManifest({ id: 'i@example.org', extra: { icons } });

  it('reads a WebExtension\'s picked icon', async () => {
    const info = await inspectXpi(await buildXpi({ 'manifest.json': webext({ 16: 'i16.png', 48: '/icons/i48.png' }), 'icons/i48.png': PNG, 'i16.png': 'x' }));
    expect(info.icon).toEqual({ entry: 'icons/i48.png', bytes: PNG, contentType: 'image/png' });
  });

  it('publishes without an icon, warning, when the picked one is unusable', async () => {
    const info = await inspectXpi(await buildXpi({ 'manifest.json': webext({ 48: '../up.png' }) }));
    expect(info.icon).toBeUndefined();
    expect(info.warnings.join('\n')).toContain('not a plain path inside the package');
  });

  it('reads an install.rdf add-on\'s em:iconURL, or its top-level icon.png', async () => {
    const extra = '    <em:iconURL>skin/logo.png</em:iconURL>';
    const rdf = installRdf({ id: 'l@example.org', version: '1.0', name: 'L', targets: [FIREFOX], updateURL: 'https://u.example/u.rdf', extra });
    expect((await inspectXpi(await buildXpi({ 'install.rdf': rdf, 'skin/logo.png': PNG }))).icon?.entry).toBe('skin/logo.png');
    const plain = installRdf({ id: 'l@example.org', version: '1.0', name: 'L', targets: [FIREFOX], updateURL: 'https://u.example/u.rdf' });
    const info = await inspectXpi(await buildXpi({ 'install.rdf': plain, 'icon.png': PNG }));
    expect(info.icon?.entry).toBe('icon.png');
    expect(info.warnings).toEqual([]);
  });
});
