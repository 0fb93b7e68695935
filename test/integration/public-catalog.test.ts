import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildXpi, FIREFOX_ID, installRdf, SEAMONKEY_ID, webextManifest } from '../helpers/build-xpi.ts';
import { buildExtensionZip } from '../helpers/crx-build.ts';
import { buildJpl, signerFor } from '../helpers/jami-jpl.ts';
import { jamiPki } from '../helpers/jami-pki.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

const JAMI_ID = 'CatalogPlugin';
const LINUX_ABI = 'x86_64-linux-gnu';
const ARM_ABI = 'arm64-v8a';

/** Rows of the listing: the link text of each entry, in order. */
const names = (html: string) => [...html.matchAll(/<a href="\/catalog\/(?:addon|jami|chromium|vpn)\/[^"]*">([^<]*)<\/a>/g)].map((m) => m[1]);

/**
 * The public catalog over HTTP: every kind listed from what is offered (never a withdrawn
 * version), search and each filter, an add-on's page with its downloads, hostile query strings.
 * Paging over 10 000 add-ons is in public-catalog-scale.test.ts.
 */
describe('public catalog', () => {
  let server: TestServer;
  let chromiumId = '';
  const jpls: Record<string, Buffer> = {};
  const page = async (p: string, headers: Record<string, string> = {}) => {
    const res = await rawGet(`${server.url}${p}`, headers);
    // <wbr> marks where long ids and URLs may wrap; the text is the same without them.
    return { status: res.status, headers: res.headers, html: res.body.toString('utf8').replaceAll('<wbr>', '') };
  };

  beforeAll(async () => {
    const pki = await jamiPki();
    const anchor = path.join(pki.dir, 'anchor.pem');
    writeFileSync(anchor, pki.root.pem);
    server = await startServer({ env: { OUTPOST_JAMI_TRUST_ANCHORS: anchor, OUTPOST_JAMI_OCSP_UNREACHABLE: 'accept' } });
    const ok = async (xpi: Buffer, fields: Record<string, string> = {}) => {
      const res = await publish(server, server.token, xpi, fields);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    const upload = async (bytes: Buffer, name: string) => {
      const form = new FormData();
      form.set('package', new Blob([new Uint8Array(bytes)]), name);
      const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } });
      expect(res.status, await res.clone().text()).toBe(201);
    };
    await ok(await buildXpi({ 'manifest.json': webextManifest({ id: 'web@example.org', version: '2.0', name: 'Web <b>tool</b>', extra: { description: 'Tidies <i>tabs</i>', author: 'Tab Folk' } }) }), { releaseNotes: 'Faster <script>x</script> start' });
    const legacy = (version: string, targetPlatforms: string[] = []) =>
      buildXpi({ 'install.rdf': installRdf({ id: 'legacy@example.org', version, name: 'Legacy helper', targetPlatforms, targets: [{ id: SEAMONKEY_ID, minVersion: '2.0', maxVersion: '2.49.*' }] }) });
    await ok(await legacy('1.0'));
    await ok(await legacy('1.0', ['Linux']));
    await ok(await legacy('1.5', ['WINNT']));
    await ok(await buildXpi({ 'install.rdf': installRdf({ id: 'gone@example.org', version: '1.0', name: 'Gone away', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) }));
    // Withdrawn: legacy 1.5 (the only Windows package) and every version of gone@.
    for (const [id, version] of [['legacy@example.org', '1.5'], ['gone@example.org', '1.0']]) {
      const res = await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(id!)}/versions/${version}`, { method: 'DELETE', headers: { authorization: `Bearer ${server.token}` } });
      expect(res.status).toBe(200);
    }
    const crx = await publish(server, server.token, await buildExtensionZip(), { kind: 'chromium' });
    expect(crx.status, JSON.stringify(crx.body)).toBe(201);
    chromiumId = crx.body.id;
    await upload(fixture('none'), 'message_demo.rcc');

    const signer = signerFor(pki, pki.plugin, pki.org);
    const files = {
      'data/icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
      [`data/locale/${JAMI_ID}_en.json`]: JSON.stringify({ name: 'Green screen', description: 'Blurs your background' }),
      [`data/locale/${JAMI_ID}_fr.json`]: JSON.stringify({ name: 'Écran vert', description: 'Floute votre arrière-plan' }),
    };
    jpls['1.0.0'] = await buildJpl({ id: JAMI_ID, name: '{{name}}', version: '1.0.0', abis: [LINUX_ABI, ARM_ABI], files, signWith: signer, description: '{{description}}' });
    jpls['1.1.0'] = await buildJpl({ id: JAMI_ID, name: '{{name}}', version: '1.1.0', abis: [LINUX_ABI], files, signWith: signer, description: '{{description}}' });
    for (const bytes of Object.values(jpls)) await upload(bytes, 'plugin.jpl');
  });
  afterAll(() => server?.close());

  it('lists every kind with something offered, in name order, never a withdrawn version', async () => {
    const res = await page('/catalog');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers.vary).toMatch(/Accept-Language/i);
    expect(names(res.html)).toEqual(['Demo message', 'Green screen', 'Legacy helper', 'Test extension', 'Web &lt;b&gt;tool&lt;/b&gt;']);
    expect(res.html).not.toContain('<b>tool</b>');
    expect(res.html).not.toContain('Gone away');
    // legacy@ 1.5 is withdrawn: 1.0 is the newest offered, and Windows is no platform of it.
    expect(res.html).toMatch(/Legacy helper[\s\S]*?data-label="Version">1\.0</);
    expect(res.html).not.toContain('WINNT');
    expect(res.html).toContain(`src="/jami/icons/${JAMI_ID}"`);
    expect(res.html).toContain('Blurs your background');
    expect(res.html).toContain('href="/catalog/addon/web%40example.org#notes"');
    expect((await page('/catalog/addon/gone%40example.org')).status).toBe(404);
  });

  it('names Jami plugins through their locale files, per Accept-Language', async () => {
    const fr = await page('/catalog', { 'accept-language': 'fr-CA,fr;q=0.9' });
    expect(fr.html).toContain('Écran vert');
    expect(fr.html).toContain('Floute votre arrière-plan');
    expect((await page('/catalog?q=floute', { 'accept-language': 'fr' })).html).toContain('Écran vert');
  });

  it('searches id, name and description, ignoring case', async () => {
    expect(names((await page('/catalog?q=WEB%40EXAMPLE')).html)).toEqual(['Web &lt;b&gt;tool&lt;/b&gt;']);
    expect(names((await page('/catalog?q=legacy+HELP')).html)).toEqual(['Legacy helper']);
    expect(names((await page('/catalog?q=blurs')).html)).toEqual(['Green screen']);
    // An XPI's description and author, read from its manifest.json.
    const tidy = await page('/catalog?q=TIDIES');
    expect(names(tidy.html)).toEqual(['Web &lt;b&gt;tool&lt;/b&gt;']);
    expect(tidy.html).toContain('Tidies &lt;i&gt;tabs&lt;/i&gt;');
    expect(tidy.html).toContain('by Tab Folk');
    const none = await page('/catalog?q=nothing-like-this');
    expect(none.status).toBe(200);
    expect(names(none.html)).toEqual([]);
    expect(none.html).toContain('Nothing matches.');
  });

  it('filters by application, platform or ABI, and type', async () => {
    const by = async (query: string) => names((await page(`/catalog?${query}`)).html);
    expect(await by(`application=${encodeURIComponent(SEAMONKEY_ID)}`)).toEqual(['Legacy helper']);
    expect(await by(`application=${encodeURIComponent(FIREFOX_ID)}`)).toEqual(['Web &lt;b&gt;tool&lt;/b&gt;']);
    expect(await by('application=jami')).toEqual(['Green screen']);
    expect(await by('application=chromium')).toHaveLength(1);
    expect(await by('application=mozilla-vpn')).toEqual(['Demo message']);
    expect(await by(`platform=${ARM_ABI}`)).toEqual(['Green screen']);
    expect(await by('platform=Linux')).toEqual(['Legacy helper']);
    expect(await by('platform=WINNT')).toEqual([]);
    expect(await by('type=jami-plugin')).toEqual(['Green screen']);
    expect(await by('type=chromium-extension')).toHaveLength(1);
    expect(await by('type=theme')).toEqual([]);
    expect(await by(`type=extension&application=${encodeURIComponent(SEAMONKEY_ID)}&q=legacy`)).toEqual(['Legacy helper']);
    // The form offers the values that exist, and keeps the chosen ones selected.
    const form = (await page('/catalog?application=jami')).html;
    expect(form).toContain('<option value="jami" selected>Jami</option>');
    expect(form).toContain(`<option value="${ARM_ABI}">${ARM_ABI}</option>`);
  });

  it('shows an add-on page with every version still offered and a download per platform', async () => {
    const legacy = await page('/catalog/addon/legacy%40example.org');
    expect(legacy.status).toBe(200);
    expect(legacy.html).toContain('SeaMonkey 2.0 – 2.49.*');
    expect(legacy.html).not.toContain('1.5');
    const links = [...legacy.html.matchAll(/<a href="([^"]+\.xpi)"( download)?>([^<]*)<\/a>/g)];
    expect(links.map((m) => m[3])).toEqual(['All platforms', 'Linux']);
    // No download attribute: Firefox installs what it is served as application/x-xpinstall.
    expect(links.every((m) => m[2] === undefined)).toBe(true);
    for (const [, url] of links) {
      const file = await rawGet(url!);
      expect(file.status).toBe(200);
      expect(file.headers['content-type']).toBe('application/x-xpinstall');
    }

    const web = await page('/catalog/addon/web%40example.org');
    expect(web.html).toContain('id="notes"');
    expect(web.html).toContain('Faster &lt;script&gt;x&lt;/script&gt; start');
    expect(web.html).not.toContain('<script>x');
    expect(web.html).toContain(`${server.url}/updates/web%40example.org/update.json`);
  });

  it('offers each Jami version as a .jpl and the newest per ABI from the store route', async () => {
    const res = await page(`/catalog/jami/${JAMI_ID}`);
    expect(res.status).toBe(200);
    expect(res.html).toContain('Green screen');
    expect(res.html).toContain('Example Org');
    for (const [version, bytes] of Object.entries(jpls)) {
      const url = `${server.url}/catalog/jami/${JAMI_ID}/${version}/download`;
      expect(res.html).toContain(`href="${url}" download`);
      const file = await rawGet(url);
      expect(file.status).toBe(200);
      expect(file.headers['content-disposition']).toBe(`attachment; filename="${JAMI_ID}.jpl"`);
      expect(createHash('sha256').update(file.body).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    // arm64 has only 1.0.0: the store's per-ABI route serves it.
    const arm = `${server.url}/jami/download/${ARM_ABI}/${JAMI_ID}`;
    expect(res.html).toContain(`href="${arm}" download`);
    expect(createHash('sha256').update((await rawGet(arm)).body).digest('hex')).toBe(createHash('sha256').update(jpls['1.0.0']!).digest('hex'));
    expect((await page(`/catalog/jami/${JAMI_ID}/9.9.9/download`)).status).toBe(404);
  });

  it('shows Chromium and VPN add-ons with their downloads', async () => {
    const crx = await page(`/catalog/chromium/${chromiumId}`);
    expect(crx.status).toBe(200);
    expect(crx.html).toContain(`${server.url}/chromium/updates.xml`);
    const crxUrl = /<a href="([^"]+\.crx)" download>/.exec(crx.html)![1]!;
    expect((await rawGet(crxUrl)).headers['content-type']).toBe('application/x-chrome-extension');
    const vpn = await page('/catalog/vpn/message_demo');
    expect(vpn.status).toBe(200);
    const rcc = /<a href="([^"]+\.rcc)" download>/.exec(vpn.html)![1]!;
    expect((await rawGet(rcc)).status).toBe(200);
  });

  it('answers hostile or malformed query strings with a 400 page or nothing, never a 5xx', async () => {
    const bad = [
      `q=${'x'.repeat(101)}`,
      'q=a&q=b',
      'type=plugin',
      'type=__proto__',
      'application=%3Cscript%3E',
      'platform=../../etc',
      `platform=${'a'.repeat(101)}`,
      'page=0',
      'page=-1',
      'page=1e9',
      'page=9999999',
    ];
    for (const query of bad) {
      const res = await page(`/catalog?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.html).toContain('role="alert"');
      expect(res.html).not.toContain('<script>');
    }
    for (const query of ['q=%00%FF', 'q=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'application=unknown@app', 'platform=Haiku', 'page=999', 'utm_source=x', 'q[$gt]=1']) {
      const res = await page(`/catalog?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
      expect(res.html).not.toContain('<script>alert');
    }
    for (const p of ['/catalog/nothing/x', '/catalog/addon/nobody%40example.org', '/catalog/jami/Nobody', '/catalog/vpn/__proto__', '/catalog/addon/a%2F..%2F..%2Fx', '/catalog/jami/a%2F..%2Fx/1.0/download']) {
      expect({ p, status: (await page(p)).status }).toEqual({ p, status: 404 });
    }
  });
});

describe('public catalog switched off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { OUTPOST_CATALOG: 'off' } });
    const res = await publish(server, server.token, await buildXpi({ 'manifest.json': webextManifest({ id: 'web@example.org', version: '2.0' }) }));
    expect(res.status).toBe(201);
  });
  afterAll(() => server?.close());

  it('answers 404 on every catalog URL, and still serves the add-on itself', async () => {
    for (const p of ['/catalog', '/catalog?q=web', '/catalog/addon/web%40example.org', '/catalog/jami/X/1.0/download']) {
      expect({ p, status: (await rawGet(`${server.url}${p}`)).status }).toEqual({ p, status: 404 });
    }
    expect((await rawGet(`${server.url}/updates/web%40example.org/update.json`)).status).toBe(200);
  });
});
