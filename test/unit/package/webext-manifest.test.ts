import { describe, expect, it } from 'vitest';
import { localizeWebExtString, parseWebExtManifest } from '../../../src/package/webext-manifest.ts';
import { webextManifest } from '../../helpers/build-xpi.ts';
import { codeOf } from './expect-code.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parseWebExtManifest', () => {
  it('reads browser_specific_settings.gecko', () => {
    const m = parseWebExtManifest(
      bytes(webextManifest({ id: 'addon@example.org', version: '1.2.3', strict_min_version: '115.0', strict_max_version: '128.*', update_url: 'https://u.example/updates.json' })),
    );
    expect(m).toEqual({
      manifestVersion: 2,
      name: 'Test add-on',
      version: '1.2.3',
      defaultLocale: undefined,
      geckoKey: 'browser_specific_settings',
      gecko: { id: 'addon@example.org', strictMinVersion: '115.0', strictMaxVersion: '128.*', updateUrl: 'https://u.example/updates.json' },
      kind: 'extension',
    });
  });

  it('picks the icon the catalog shows, and never refuses a manifest over its icons', () => {
    const icons = (value: unknown) => parseWebExtManifest(bytes(webextManifest({ id: 'i@example.org', extra: { icons: value } }))).iconPath;
    expect(icons({ 32: 'a.png', 48: 'b.png', 96: 'c.png' })).toBe('b.png');
    expect(icons({ 16: 'a.png', 32: 'b.png' })).toBe('b.png');
    expect(icons('icon.png')).toBeUndefined();
    expect(icons({ 48: 7 })).toBeUndefined();
  });

  it('reads the legacy applications.gecko key, and prefers browser_specific_settings when both exist', () => {
    const legacy = parseWebExtManifest(bytes(webextManifest({ id: 'old@example.org', geckoKey: 'applications' })));
    expect(legacy.geckoKey).toBe('applications');
    expect(legacy.gecko.id).toBe('old@example.org');
    const both = JSON.stringify({
      manifest_version: 2, name: 'x', version: '1',
      applications: { gecko: { id: 'old@example.org' } },
      browser_specific_settings: { gecko: { id: 'new@example.org' } },
    });
    expect(parseWebExtManifest(bytes(both)).gecko.id).toBe('new@example.org');
  });

  it('accepts a GUID id and manifest v3', () => {
    const m = parseWebExtManifest(bytes(webextManifest({ id: '{12345678-ABCD-ef01-2345-6789abcdef01}', manifest_version: 3 })));
    expect(m.gecko.id).toBe('{12345678-ABCD-ef01-2345-6789abcdef01}');
    expect(m.manifestVersion).toBe(3);
  });

  it('strips a UTF-8 BOM and whole-line // comments, like Firefox', () => {
    const text = '\ufeff// generated file\n{\n  // the name\n  "manifest_version": 2,\n\t// tabbed comment\n  "name": "A // not a comment",\n  "version": "1.0",\n  "browser_specific_settings": {"gecko": {"id": "a@b.c"}}\n}\n';
    const m = parseWebExtManifest(bytes(text));
    expect(m.name).toBe('A // not a comment');
    expect(m.gecko.id).toBe('a@b.c');
  });

  it('keeps comments that are not at line start a syntax error', () => {
    const text = '{"manifest_version": 2, // trailing\n"name": "x", "version": "1"}';
    return expect(codeOf(() => parseWebExtManifest(bytes(text)))).resolves.toBe('WEBEXT_INVALID');
  });

  it('recognises themes, dictionaries and language packs', () => {
    const kind = (extra: Record<string, unknown>) => parseWebExtManifest(bytes(webextManifest({ id: 'a@b', extra }))).kind;
    expect(kind({ theme: { colors: {} } })).toBe('theme');
    expect(kind({ dictionaries: { 'en-US': 'en.dic' } })).toBe('dictionary');
    expect(kind({ langpack_id: 'fr' })).toBe('langpack');
  });

  it('WEBEXT_NO_GECKO_ID when there is no gecko id anywhere', async () => {
    expect(await codeOf(() => parseWebExtManifest(bytes(webextManifest({ geckoKey: 'none' }))))).toBe('WEBEXT_NO_GECKO_ID');
    expect(await codeOf(() => parseWebExtManifest(bytes(webextManifest({}))))).toBe('WEBEXT_NO_GECKO_ID');
    expect(await codeOf(() => parseWebExtManifest(bytes(webextManifest({ id: '' }))))).toBe('WEBEXT_NO_GECKO_ID');
  });

  it.each([
    ['not JSON', '{ nope'],
    ['an array', '[]'],
    ['no manifest_version', JSON.stringify({ name: 'x', version: '1', browser_specific_settings: { gecko: { id: 'a@b' } } })],
    ['manifest_version 4', webextManifest({ id: 'a@b', manifest_version: 4 })],
    ['no name', JSON.stringify({ manifest_version: 2, version: '1', browser_specific_settings: { gecko: { id: 'a@b' } } })],
    ['no version', JSON.stringify({ manifest_version: 2, name: 'x', browser_specific_settings: { gecko: { id: 'a@b' } } })],
    ['a numeric version', JSON.stringify({ manifest_version: 2, name: 'x', version: 1, browser_specific_settings: { gecko: { id: 'a@b' } } })],
    ['a gecko id that is not a string', JSON.stringify({ manifest_version: 2, name: 'x', version: '1', browser_specific_settings: { gecko: { id: 5 } } })],
    ['gecko that is not an object', JSON.stringify({ manifest_version: 2, name: 'x', version: '1', browser_specific_settings: { gecko: 'a@b' } })],
    ['browser_specific_settings that is not an object', JSON.stringify({ manifest_version: 2, name: 'x', version: '1', browser_specific_settings: 3 })],
  ])('WEBEXT_INVALID: %s', async (_label, text) => {
    expect(await codeOf(() => parseWebExtManifest(bytes(text)))).toBe('WEBEXT_INVALID');
  });

  it('WEBEXT_INVALID: bytes that are not UTF-8', async () => {
    expect(await codeOf(() => parseWebExtManifest(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])))).toBe('WEBEXT_INVALID');
  });

  it.each([['../../etc@x'], ['a b@c'], ['no-at-sign'], ['{1234}'], [`${'a'.repeat(80)}@b.c`]])('ADDON_ID_INVALID: %s', async (id) => {
    expect(await codeOf(() => parseWebExtManifest(bytes(webextManifest({ id }))))).toBe('ADDON_ID_INVALID');
  });

  it.each([['1.0/../x'], ['1 0'], ['*'], ['']])('ADDON_VERSION_INVALID or WEBEXT_INVALID for version %j', async (version) => {
    const code = await codeOf(() => parseWebExtManifest(bytes(webextManifest({ id: 'a@b', version }))));
    expect(code).toBe(version === '' ? 'WEBEXT_INVALID' : 'ADDON_VERSION_INVALID');
  });

  it('ADDON_VERSION_INVALID for a strict_min_version that could escape a URL', async () => {
    expect(await codeOf(() => parseWebExtManifest(bytes(webextManifest({ id: 'a@b', strict_min_version: '1/../x' }))))).toBe('ADDON_VERSION_INVALID');
  });
});

describe('localizeWebExtString', () => {
  const messages = bytes(JSON.stringify({ extensionName: { message: 'Localised Name' }, other: { message: 'x' } }));

  it('replaces placeholders case-insensitively and keeps unknown ones', () => {
    expect(localizeWebExtString('__MSG_extensionName__', messages)).toBe('Localised Name');
    expect(localizeWebExtString('__MSG_EXTENSIONNAME__ (beta)', messages)).toBe('Localised Name (beta)');
    expect(localizeWebExtString('__MSG_missing__', messages)).toBe('__MSG_missing__');
  });

  it('returns undefined for an unusable messages.json', () => {
    expect(localizeWebExtString('__MSG_x__', bytes('not json'))).toBeUndefined();
    expect(localizeWebExtString('__MSG_x__', bytes('[1]'))).toBeUndefined();
  });
});
