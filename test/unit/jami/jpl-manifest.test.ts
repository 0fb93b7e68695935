import { describe, expect, it } from 'vitest';
import { isSafeJplName, isValidJplId, isValidJplVersion, parseJplManifest } from '../../../src/jami/jpl-manifest.ts';
import { errorCode } from '../../helpers/jami-expect.ts';

const parse = (json: unknown): ReturnType<typeof parseJplManifest> =>
  parseJplManifest(Buffer.from(typeof json === 'string' ? json : JSON.stringify(json)));

describe('parseJplManifest', () => {
  it('reads every field', () => {
    expect(parse({ id: 'GreenScreen', name: 'Green Screen', description: 'Blur', version: '2.1.0', iconPath: 'icon.svg', backgroundPath: 'bg.png' })).toEqual({
      id: 'GreenScreen',
      name: 'Green Screen',
      description: 'Blur',
      version: '2.1.0',
      iconPath: 'icon.svg',
      backgroundPath: 'bg.png',
    });
  });

  it('defaults the id to the name, the icon to icon.png, the background to background.jpg and the description to ""', () => {
    expect(parse({ name: 'AutoAnswer', version: '1' })).toEqual({
      id: 'AutoAnswer',
      name: 'AutoAnswer',
      description: '',
      version: '1',
      iconPath: 'icon.png',
      backgroundPath: 'background.jpg',
    });
  });

  it('accepts a UTF-8 byte order mark and nested icon paths', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ name: 'P', version: '1', iconPath: 'img/icon.svg' }))]);
    expect(parseJplManifest(bytes).iconPath).toBe('img/icon.svg');
  });

  it.each([
    ['not JSON', '{name: P}', 'JPL_MANIFEST_INVALID'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'JPL_MANIFEST_INVALID'],
    ['an array', '[]', 'JPL_MANIFEST_INVALID'],
    ['no name', { version: '1' }, 'JPL_MANIFEST_INVALID'],
    ['an empty name', { name: '', version: '1' }, 'JPL_MANIFEST_INVALID'],
    ['a numeric name', { name: 5, version: '1' }, 'JPL_MANIFEST_INVALID'],
    ['a name that is no usable id', { name: 'Green Screen', version: '1' }, 'JPL_ID_INVALID'],
    ['an id with a slash', { name: 'P', id: 'a/b', version: '1' }, 'JPL_ID_INVALID'],
    ['an id starting with a dot', { name: 'P', id: '.hidden', version: '1' }, 'JPL_ID_INVALID'],
    ['an id of 81 characters', { name: 'P', id: 'a'.repeat(81), version: '1' }, 'JPL_ID_INVALID'],
    ['no version', { name: 'P' }, 'JPL_VERSION_INVALID'],
    ['an empty version', { name: 'P', version: '' }, 'JPL_VERSION_INVALID'],
    ['a version with a space', { name: 'P', version: '1 beta' }, 'JPL_VERSION_INVALID'],
    ['a version of 65 characters', { name: 'P', version: '1'.repeat(65) }, 'JPL_VERSION_INVALID'],
    ['a numeric version', { name: 'P', version: 1 }, 'JPL_MANIFEST_INVALID'],
    ['an icon path escaping data/', { name: 'P', version: '1', iconPath: '../manifest.json' }, 'JPL_MANIFEST_INVALID'],
    ['an absolute background path', { name: 'P', version: '1', backgroundPath: '/etc/passwd' }, 'JPL_MANIFEST_INVALID'],
    ['an icon path naming a folder', { name: 'P', version: '1', iconPath: 'img/' }, 'JPL_MANIFEST_INVALID'],
    ['an id that is ".."', { name: 'P', id: '..', version: '1' }, 'JPL_ID_INVALID'],
    ['an id containing ".."', { name: 'P', id: 'a..b', version: '1' }, 'JPL_ID_INVALID'],
    ['an id starting with a dash', { name: 'P', id: '-rf', version: '1' }, 'JPL_ID_INVALID'],
    ['an id ending with a dot', { name: 'P', id: 'plugin.', version: '1' }, 'JPL_ID_INVALID'],
    ['a version containing ".."', { name: 'P', version: '1..2' }, 'JPL_VERSION_INVALID'],
    ['a version ending with a dot', { name: 'P', version: '1.0.' }, 'JPL_VERSION_INVALID'],
    ['a hidden icon', { name: 'P', version: '1', iconPath: '.icon.png' }, 'JPL_MANIFEST_INVALID'],
    ['an icon in a hidden folder', { name: 'P', version: '1', iconPath: 'img/.cache/icon.png' }, 'JPL_MANIFEST_INVALID'],
    ['a "." segment', { name: 'P', version: '1', iconPath: './icon.png' }, 'JPL_MANIFEST_INVALID'],
    ['an empty segment', { name: 'P', version: '1', backgroundPath: 'img//bg.jpg' }, 'JPL_MANIFEST_INVALID'],
    ['a control character in a path', { name: 'P', version: '1', iconPath: 'icon\n.png' }, 'JPL_MANIFEST_INVALID'],
    ['a NUL in a path', { name: 'P', version: '1', backgroundPath: 'bg\u0000.jpg' }, 'JPL_MANIFEST_INVALID'],
    ['a backslash in a path', { name: 'P', version: '1', iconPath: 'img\\icon.png' }, 'JPL_MANIFEST_INVALID'],
    ['a drive letter', { name: 'P', version: '1', iconPath: 'C:icon.png' }, 'JPL_MANIFEST_INVALID'],
    ['an empty icon path', { name: 'P', version: '1', iconPath: '' }, 'JPL_MANIFEST_INVALID'],
  ])('refuses %s', async (_, manifest, code) => {
    expect(await errorCode(() => (Buffer.isBuffer(manifest) ? parseJplManifest(manifest) : parse(manifest)))).toBe(code);
  });
});

describe('id and version rules', () => {
  it('allows letters, digits, dot, underscore and dash in ids, up to 80', () => {
    expect(isValidJplId('Org.Example_plugin-2')).toBe(true);
    expect(isValidJplId('a'.repeat(80))).toBe(true);
    for (const bad of ['', 'a b', 'a?b', 'é', '.x', 'a'.repeat(81), 'a%2Fb', '..', '.', 'a..b', '-x', '_x', 'x.', 'a/b', 'a\u0001b']) expect(isValidJplId(bad)).toBe(false);
  });

  it('applies the same rule to ABI folder names, with their own length', () => {
    for (const good of ['x86_64-linux-gnu', 'arm64-v8a', 'x86_64-apple-Darwin', 'armeabi-v7a']) expect(isSafeJplName(good, 64)).toBe(true);
    for (const bad of ['..', '.x86', 'x86.', 'a..b', '-x86', 'x86/64', 'x86\u0000', 'x86\t', 'a'.repeat(65)]) expect(isSafeJplName(bad, 64)).toBe(false);
  });

  it('allows digits, letters, dot, plus and dash in versions, up to 64', () => {
    for (const good of ['1', '1.0.2', '2.0.0-beta+3', 'v1']) expect(isValidJplVersion(good)).toBe(true);
    for (const bad of ['', '1 0', '1/2', '1_0', '1'.repeat(65), '1..2', '1.', '..', '.1', '-1', '+1']) expect(isValidJplVersion(bad)).toBe(false);
  });
});
