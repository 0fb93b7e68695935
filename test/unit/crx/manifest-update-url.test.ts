import { describe, expect, it } from 'vitest';
import { setManifestUpdateUrl } from '../../../src/crx/manifest-update-url.ts';
import { MANIFEST } from '../../../src/limits.ts';
import { codeOf } from '../../helpers/error-code.ts';
import { rsaKey, spkiOf } from '../../helpers/crx-build.ts';

const URL_1 = 'https://updates.example.org/chromium/updates.xml';
const set = (text: string, keySpki?: Buffer) => setManifestUpdateUrl(Buffer.from(text), { updateUrl: URL_1, keySpki }).toString();

describe('setManifestUpdateUrl', () => {
  it('adds update_url after the last member, with its indentation and colon spacing', () => {
    const text = '{\n    "manifest_version": 3,\n    "name": "T",\n    "version": "1.0",\n    "icons": {"16": "i.png"}\n}\n';
    expect(set(text)).toBe(`{\n    "manifest_version": 3,\n    "name": "T",\n    "version": "1.0",\n    "icons": {"16": "i.png"},\n    "update_url": "${URL_1}"\n}\n`);
    expect(set('{"manifest_version":3,"name":"T","version":"1"}')).toBe(`{"manifest_version":3,"name":"T","version":"1", "update_url":"${URL_1}"}`);
  });

  it('replaces an existing update_url where it stands, and only the top-level one', () => {
    const text = '{\n\t"update_url": "http://old.example/u.xml",\n\t"manifest_version": 2,\n\t"name": "T",\n\t"version": "1",\n\t"browser_specific_settings": {"gecko": {"update_url": "https://ff.example/u.json"}}\n}';
    expect(set(text)).toBe(text.replace('http://old.example/u.xml', URL_1));
  });

  it('gives every duplicate the new value, since readers disagree on which one wins', () => {
    const text = '{"update_url": "http://a.example/", "manifest_version": 3, "name": "T", "version": "1", "update_url": "http://b.example/"}';
    expect(set(text)).toBe(text.replace('http://a.example/', URL_1).replace('http://b.example/', URL_1));
  });

  it('keeps comment lines, CRLF line ends and a byte-order mark, and adds no mark', () => {
    const text = '\ufeff{\r\n  // "update_url": "commented out",\r\n  "manifest_version": 3,\r\n  "name": "T",\r\n  "version": "1"\r\n  // trailing note\r\n}\r\n';
    const out = setManifestUpdateUrl(Buffer.from(text), { updateUrl: URL_1 });
    expect([...out.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(out.toString()).toBe(text.replace('"version": "1"', `"version": "1",\r\n  "update_url": "${URL_1}"`));
    expect(set('{"manifest_version": 3, "name": "T", "version": "1"}').startsWith('{')).toBe(true);
  });

  it('writes "key" as base64 SPKI when given a key, replacing one in PEM armor', () => {
    const spki = spkiOf(rsaKey('manifest-edit'));
    const out = JSON.parse(set('{"manifest_version": 3, "name": "T", "version": "1", "key": "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----"}', spki));
    expect(out).toEqual({ manifest_version: 3, name: 'T', version: '1', key: spki.toString('base64'), update_url: URL_1 });
    expect(Object.keys(JSON.parse(set('{"manifest_version": 3, "name": "T", "version": "1"}', spki)))).toEqual(['manifest_version', 'name', 'version', 'update_url', 'key']);
  });

  it.each([
    ['not JSON', '{"manifest_version": 3, "name": "T", "version": "1",}', 'CRX_MANIFEST_INVALID'],
    ['an array', '[1]', 'CRX_MANIFEST_INVALID'],
    ['no manifest_version', '{"name": "T", "version": "1"}', 'CRX_MANIFEST_INVALID'],
    ['no version', '{"manifest_version": 3, "name": "T"}', 'CRX_MANIFEST_VERSION_INVALID'],
    ['a /* */ comment', '{"manifest_version": 3, /* c */ "name": "T", "version": "1"}', 'CRX_MANIFEST_INVALID'],
    ['too large', `{"manifest_version": 3, "name": "T", "version": "1", "pad": "${'x'.repeat(MANIFEST.maxBytes)}"}`, 'CRX_MANIFEST_INVALID'],
  ])('refuses a manifest with %s', (_name, text, code) => {
    expect(codeOf(() => set(text))).toBe(code);
  });

  it.each([['ftp://example.org/u.xml'], ['updates.xml'], ['/chromium/updates.xml'], ['https://exa mple.org/'], ['javascript:alert(1)'], ['https://x.org/\n']])(
    'refuses the update URL %j',
    (url) => {
      expect(codeOf(() => setManifestUpdateUrl(Buffer.from('{"manifest_version": 3, "name": "T", "version": "1"}'), { updateUrl: url }))).toBe('UPDATE_URL_INVALID');
    },
  );

  it('refuses a manifest that would grow past the size limit', () => {
    const text = `{"manifest_version": 3, "name": "T", "version": "1", "pad": "${'x'.repeat(MANIFEST.maxBytes - 80)}"}`;
    expect(codeOf(() => set(text))).toBe('CRX_MANIFEST_INVALID');
  });
});
