import { describe, expect, it } from 'vitest';
import { FIREFOX_APP_ID, inspectXpi, WEBEXT_DEFAULT_MIN_VERSION, WEBEXTENSION_APPS } from '../../../src/package/inspect-xpi.ts';
import { buildXpi, FIREFOX_ID, installRdf, webextManifest } from '../../helpers/build-xpi.ts';
import { rawZip } from '../../helpers/raw-zip.ts';
import { codeOf } from './expect-code.ts';

const FIREFOX = { id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' };
const KEY = 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ';

describe('inspectXpi: install.rdf add-ons', () => {
  it('describes a legacy add-on', async () => {
    const rdf = installRdf({ id: 'legacy@example.org', version: '2.0', name: 'Legacy', type: 2, targets: [FIREFOX], updateURL: 'https://u.example/update.rdf', updateKey: KEY });
    const info = await inspectXpi(await buildXpi({ 'install.rdf': rdf, 'chrome.manifest': 'content x ./' }));
    expect(info).toEqual({
      format: 'install.rdf',
      id: 'legacy@example.org',
      version: '2.0',
      name: 'Legacy',
      type: 'extension',
      typeCode: 2,
      targetApplications: [FIREFOX],
      targetPlatforms: [],
      updateURL: 'https://u.example/update.rdf',
      updateKey: KEY,
      warnings: [],
    });
  });

  it('warns about a plain-http updateURL only when there is no updateKey', async () => {
    const withoutKey = installRdf({ id: 'a@b.c', version: '1', name: 'n', targets: [FIREFOX], updateURL: 'http://u.example/update.rdf' });
    const info = await inspectXpi(await buildXpi({ 'install.rdf': withoutKey }));
    expect(info.warnings.some((w) => /plain http/.test(w))).toBe(true);
    expect(info.updateKey).toBeUndefined();
    expect('updateKey' in info).toBe(false);

    const withKey = installRdf({ id: 'a@b.c', version: '1', name: 'n', targets: [FIREFOX], updateURL: 'http://u.example/update.rdf', updateKey: KEY });
    expect((await inspectXpi(await buildXpi({ 'install.rdf': withKey }))).warnings).toEqual([]);
  });

  it('warns when there is no updateURL or name, and falls back to the id for the name', async () => {
    const info = await inspectXpi(await buildXpi({ 'install.rdf': installRdf({ id: 'a@b.c', version: '1', targets: [FIREFOX] }) }));
    expect(info.name).toBe('a@b.c');
    expect(info.warnings).toHaveLength(2);
  });

  it('prefers install.rdf when both manifests exist and agree, with a warning', async () => {
    const xpi = await buildXpi({
      'manifest.json': webextManifest({ id: 'legacy@example.org', version: '1.0' }),
      'install.rdf': installRdf({ id: 'legacy@example.org', version: '1.0', name: 'n', targets: [FIREFOX], updateURL: 'https://x/y' }),
    });
    const info = await inspectXpi(xpi);
    expect(info).toMatchObject({ format: 'install.rdf', id: 'legacy@example.org', version: '1.0' });
    expect(info.warnings).toHaveLength(1);
  });

  it('MANIFESTS_DISAGREE: install.rdf and manifest.json naming different ids or versions', async () => {
    const rdf = installRdf({ id: 'legacy@example.org', version: '1.0', name: 'n', targets: [FIREFOX], updateURL: 'https://x/y' });
    const otherId = await buildXpi({ 'manifest.json': webextManifest({ id: 'webext@example.org', version: '1.0' }), 'install.rdf': rdf });
    const otherVersion = await buildXpi({ 'manifest.json': webextManifest({ id: 'legacy@example.org', version: '9.0' }), 'install.rdf': rdf });
    expect(await codeOf(inspectXpi(otherId))).toBe('MANIFESTS_DISAGREE');
    expect(await codeOf(inspectXpi(otherVersion))).toBe('MANIFESTS_DISAGREE');
  });

  it('propagates install.rdf errors', async () => {
    expect(await codeOf(inspectXpi(await buildXpi({ 'install.rdf': installRdf({ version: '1' }) })))).toBe('INSTALL_RDF_NO_ID');
    expect(await codeOf(inspectXpi(await buildXpi({ 'install.rdf': installRdf({ id: '../x@y', version: '1' }) })))).toBe('ADDON_ID_INVALID');
    expect(await codeOf(inspectXpi(await buildXpi({ 'install.rdf': '<RDF' })))).toBe('INSTALL_RDF_INVALID');
  });
});

describe('inspectXpi: WebExtensions', () => {
  it('targets every Gecko application that runs WebExtensions, with the documented defaults', async () => {
    const info = await inspectXpi(await buildXpi({ 'manifest.json': webextManifest({ id: 'we@example.org', version: '1.5', update_url: 'https://u.example/updates.json' }) }));
    expect(info).toEqual({
      format: 'webextension',
      id: 'we@example.org',
      version: '1.5',
      name: 'Test add-on',
      type: 'extension',
      targetApplications: WEBEXTENSION_APPS.map((id) => ({ id, minVersion: WEBEXT_DEFAULT_MIN_VERSION, maxVersion: '*' })),
      targetPlatforms: [],
      updateURL: 'https://u.example/updates.json',
      warnings: [],
    });
    expect(WEBEXT_DEFAULT_MIN_VERSION).toBe('42.0');
  });

  it('uses strict_min_version / strict_max_version and reports themes', async () => {
    const manifest = webextManifest({ id: 'we@example.org', strict_min_version: '115.0', strict_max_version: '128.*', update_url: 'https://u/x', extra: { theme: {} } });
    const info = await inspectXpi(await buildXpi({ 'manifest.json': manifest }));
    // Thunderbird applies the gecko range to its own version: the same numbers for every application.
    expect(info.targetApplications).toEqual(WEBEXTENSION_APPS.map((id) => ({ id, minVersion: '115.0', maxVersion: '128.*' })));
    expect(info.targetApplications.map((t) => t.id)).toEqual([FIREFOX_APP_ID, '{aa3c5121-dab2-40e2-81ca-7ea25febc110}', '{3550f703-e582-4d05-9a08-453d09bdfdc6}']);
    expect(info.type).toBe('theme');
  });

  it('warns about a missing or plain-http update_url and the legacy applications key', async () => {
    const none = await inspectXpi(await buildXpi({ 'manifest.json': webextManifest({ id: 'we@example.org' }) }));
    expect(none.warnings).toHaveLength(1);
    const http = await inspectXpi(await buildXpi({ 'manifest.json': webextManifest({ id: 'we@example.org', update_url: 'http://u/x' }) }));
    expect(http.warnings.some((w) => /https/.test(w))).toBe(true);
    const legacy = await inspectXpi(await buildXpi({ 'manifest.json': webextManifest({ id: 'we@example.org', update_url: 'https://u/x', geckoKey: 'applications' }) }));
    expect(legacy.warnings).toHaveLength(1);
  });

  it('resolves a __MSG_ name from the default locale', async () => {
    const manifest = webextManifest({ id: 'we@example.org', name: '__MSG_appName__', update_url: 'https://u/x', extra: { default_locale: 'en_US' } });
    const messages = JSON.stringify({ appName: { message: 'Real Name' } });
    const info = await inspectXpi(await buildXpi({ 'manifest.json': manifest, '_locales/en_US/messages.json': messages }));
    expect(info.name).toBe('Real Name');
    expect(info.warnings).toEqual([]);

    const missing = await inspectXpi(await buildXpi({ 'manifest.json': manifest }));
    expect(missing.name).toBe('__MSG_appName__');
    expect(missing.warnings).toHaveLength(1);
  });

  it('WEBEXT_NO_GECKO_ID', async () => {
    expect(await codeOf(inspectXpi(await buildXpi({ 'manifest.json': webextManifest({}) })))).toBe('WEBEXT_NO_GECKO_ID');
  });
});

describe('inspectXpi: archive problems', () => {
  it('XPI_NO_MANIFEST, including a manifest one folder too deep', async () => {
    expect(await codeOf(inspectXpi(await buildXpi({ 'readme.txt': 'hi' })))).toBe('XPI_NO_MANIFEST');
    expect(await codeOf(inspectXpi(await buildXpi({ 'addon/manifest.json': webextManifest({ id: 'a@b' }) })))).toBe('XPI_NO_MANIFEST');
  });

  it('refuses an oversized manifest without unpacking it', async () => {
    const huge = webextManifest({ id: 'a@b', extra: { padding: ' '.repeat(2 * 1024 * 1024) } });
    expect(await codeOf(inspectXpi(await buildXpi({ 'manifest.json': huge }, { compress: false })))).toBe('ZIP_ENTRY_TOO_LARGE');
  });

  it('passes ZIP errors and limits through', async () => {
    const unsafe = rawZip([{ name: 'manifest.json', data: webextManifest({ id: 'a@b' }) }, { name: '../../evil', data: 'x' }]);
    expect(await codeOf(inspectXpi(unsafe))).toBe('ZIP_UNSAFE_PATH');
    const xpi = await buildXpi({ 'manifest.json': webextManifest({ id: 'a@b' }), 'a.js': '', 'b.js': '' });
    expect(await codeOf(inspectXpi(xpi, { maxEntries: 2 }))).toBe('ZIP_TOO_MANY_ENTRIES');
    expect(await codeOf(inspectXpi(Buffer.from('not a zip')))).toBe('ZIP_INVALID');
  });
});

describe('inspectXpi: what the public catalog shows', () => {
  it('reads em:description and em:creator', async () => {
    const rdf = installRdf({ id: 'd@example.org', version: '1.0', name: 'D', targets: [FIREFOX], extra: '    <em:description>Does <![CDATA[things]]></em:description>\n    <em:creator>Jane Doe</em:creator>' });
    expect(await inspectXpi(await buildXpi({ 'install.rdf': rdf }))).toMatchObject({ description: 'Does things', author: 'Jane Doe' });
  });

  it('resolves a WebExtension description from the default locale; developer.name wins over author', async () => {
    const manifest = webextManifest({ id: 'w@example.org', extra: { default_locale: 'en', description: '__MSG_desc__', author: 'Someone', developer: { name: 'Dev Team' } } });
    const messages = JSON.stringify({ desc: { message: 'Blocks trackers' } });
    expect(await inspectXpi(await buildXpi({ 'manifest.json': manifest, '_locales/en/messages.json': messages }))).toMatchObject({ description: 'Blocks trackers', author: 'Dev Team' });
  });

  it('leaves out what cannot be shown, never refusing the package for it, and clips an essay', async () => {
    const unresolved = webextManifest({ id: 'w@example.org', extra: { description: '__MSG_missing__', author: 42 } });
    const info = await inspectXpi(await buildXpi({ 'manifest.json': unresolved }));
    expect(info.description).toBeUndefined();
    expect(info.author).toBeUndefined();
    const long = await inspectXpi(await buildXpi({ 'manifest.json': webextManifest({ id: 'w@example.org', extra: { description: 'x'.repeat(5000) } }) }));
    expect(long.description).toHaveLength(1000);
    expect(long.description!.endsWith('…')).toBe(true);
  });
});
