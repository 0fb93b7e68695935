import { describe, expect, it } from 'vitest';
import { checkManifestKey, parseChromiumManifest } from '../../../src/crx/chromium-manifest.ts';
import { MANIFEST } from '../../../src/limits.ts';
import { extensionManifest, rsaKey, spkiOf } from '../../helpers/crx-build.ts';
import { crxCodeOfSync } from '../../helpers/crx-expect.ts';

const bytes = (value: unknown): Buffer => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const parse = (overrides: Record<string, unknown>) => parseChromiumManifest(bytes(extensionManifest(overrides)));

describe('parseChromiumManifest', () => {
  it('reads what updates depend on', () => {
    const key = spkiOf(rsaKey());
    expect(
      parse({
        manifest_version: 2,
        name: '__MSG_name__',
        version: '2.0.1',
        version_name: '2.0.1 beta',
        default_locale: 'en',
        update_url: 'https://updates.example/u.xml',
        minimum_chrome_version: '120.0.6099.0',
        key: key.toString('base64'),
        background: { service_worker: 'bg.js' },
        icons: { 16: 'i16.png', 128: 'i128.png' },
      }),
    ).toEqual({
      manifestVersion: 2,
      name: '__MSG_name__',
      version: '2.0.1',
      versionName: '2.0.1 beta',
      defaultLocale: 'en',
      updateUrl: 'https://updates.example/u.xml',
      minimumChromeVersion: '120.0.6099.0',
      key,
      iconPath: 'i128.png',
    });
  });

  it('reads a minimal manifest, with // comment lines, a BOM and a key in PEM armor', () => {
    const key = spkiOf(rsaKey());
    const pem = `-----BEGIN PUBLIC KEY-----\n${key.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PUBLIC KEY-----\n`;
    const text = `\ufeff{\n  // a comment line\n  "manifest_version": 3, "name": "T", "version": "1", "key": ${JSON.stringify(pem)}\n}`;
    expect(parseChromiumManifest(bytes(text))).toMatchObject({ manifestVersion: 3, version: '1', updateUrl: undefined, key });
  });

  it.each([
    ['not JSON', '{'],
    ['a trailing comma (Chromium refuses it too)', '{"manifest_version": 3, "name": "T", "version": "1.0",}'],
    ['a block comment (Chromium would skip it; stricter here)', '{ /* c */ "manifest_version": 3, "name": "T", "version": "1.0" }'],
    ['an array', '[]'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
  ])('refuses %s', (_why, text) => {
    expect(crxCodeOfSync(() => parseChromiumManifest(Buffer.isBuffer(text) ? text : bytes(text)))).toBe('CRX_MANIFEST_INVALID');
  });

  it.each([
    ['manifest_version 1', { manifest_version: 1 }],
    ['manifest_version 4', { manifest_version: 4 }],
    ['manifest_version "3"', { manifest_version: '3' }],
    ['no name', { name: undefined }],
    ['an empty name', { name: '' }],
    ['a blank name', { name: '   ' }],
    ['a name that is not a string', { name: 5 }],
    ['minimum_chrome_version "abc"', { minimum_chrome_version: 'abc' }],
    ['minimum_chrome_version as a number', { minimum_chrome_version: 120 }],
    ['update_url that is not a URL', { update_url: 'not a url' }],
    ['update_url as a number', { update_url: 5 }],
    ['update_url over ftp', { update_url: 'ftp://host/u.xml' }],
    ['a key that is not base64', { key: '!!!' }],
    ['an empty key', { key: '' }],
    ['a key as a number', { key: 5 }],
    ['version_name as a number', { version_name: 2 }],
  ])('refuses %s', (_why, overrides) => {
    expect(crxCodeOfSync(() => parse(overrides))).toBe('CRX_MANIFEST_INVALID');
  });

  it.each([
    ['no version', { version: undefined }],
    ['a numeric version', { version: 1 }],
    ['five parts', { version: '1.0.0.0.0' }],
    ['a leading zero', { version: '1.01' }],
  ])('refuses %s as a version problem', (_why, overrides) => {
    expect(crxCodeOfSync(() => parse(overrides))).toBe('CRX_MANIFEST_VERSION_INVALID');
  });

  it('reads 199 levels of nesting and refuses 200, where Chromium\'s JSON reader stops', () => {
    // The manifest object is level 1, so a member holding n - 1 nested arrays makes n levels.
    const nested = (levels: number) => bytes(`{"manifest_version":3,"name":"T","version":"1.0","deep":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`);
    expect(parseChromiumManifest(nested(199)).version).toBe('1.0');
    expect(crxCodeOfSync(() => parseChromiumManifest(nested(200)))).toBe('CRX_MANIFEST_INVALID');
    expect(crxCodeOfSync(() => parseChromiumManifest(nested(200_000)))).toBe('CRX_MANIFEST_INVALID');
    expect(crxCodeOfSync(() => parse({ deep: JSON.parse(`${'{"a":'.repeat(199)}1${'}'.repeat(199)}`) }))).toBe('CRX_MANIFEST_INVALID');
  });

  it('refuses a manifest over the size limit', () => {
    const big = bytes(extensionManifest({ description: 'x'.repeat(MANIFEST.maxBytes) }));
    expect(crxCodeOfSync(() => parseChromiumManifest(big))).toBe('CRX_MANIFEST_INVALID');
  });
});

describe('checkManifestKey', () => {
  it('accepts no key or the signing key, and refuses another key', () => {
    const mine = spkiOf(rsaKey());
    expect(() => checkManifestKey(parse({}), mine)).not.toThrow();
    expect(() => checkManifestKey(parse({ key: mine.toString('base64') }), mine)).not.toThrow();
    const other = parse({ key: spkiOf(rsaKey('other')).toString('base64') });
    expect(crxCodeOfSync(() => checkManifestKey(other, mine))).toBe('CRX_MANIFEST_KEY_MISMATCH');
  });
});
