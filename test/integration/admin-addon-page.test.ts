import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../helpers/admin-client.ts';
import { buildXpi, FIREFOX_ID, installRdf, webextManifest } from '../helpers/build-xpi.ts';
import { bodyRows, elementText, hrefs } from '../helpers/html.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';

const LEGACY = 'page-legacy@example.org';
const WEBEXT = 'page-webext@example.org';
const legacyXpi = (version: string) =>
  buildXpi({ 'install.rdf': installRdf({ id: LEGACY, version, name: 'Legacy Page', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) });

describe('admin add-on page', () => {
  let server: TestServer;
  let admin: AdminClient;
  const page = async (id: string) => {
    const res = await admin.request(`/admin/addons/${encodeURIComponent(id)}`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const served = async (id: string, file = 'update.rdf') => (await fetch(`${server.url}/updates/${encodeURIComponent(id)}/${file}`)).text();
  const versionPath = (id: string, version: string, action: string) => `/admin/addons/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}/${action}`;

  beforeAll(async () => {
    server = await startServer();
    expect((await publish(server, server.token, await legacyXpi('1.0'), { releaseNotes: 'Default notes.', 'releaseNotes.de': 'Deutsche Notizen.' })).status).toBe(201);
    expect((await publish(server, server.token, await legacyXpi('1.1'))).status).toBe(201);
    const webext = await buildXpi({ 'manifest.json': webextManifest({ id: WEBEXT, version: '2.0', name: 'WebExt Page', strict_min_version: '115.0' }) });
    expect((await publish(server, server.token, webext)).status).toBe(201);
    admin = new AdminClient(server.url);
    expect((await admin.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
  });
  afterAll(() => server.close());

  it('gives install.rdf lines with the adaptive URL and the publisher key, and that URL answers a client', async () => {
    const html = await page(LEGACY);
    const adaptive = `${server.url}/updates/${encodeURIComponent(LEGACY)}?reqVersion=%REQ_VERSION%&id=%ITEM_ID%&version=%ITEM_VERSION%&appID=%APP_ID%&appVersion=%APP_VERSION%&appOS=%APP_OS%&appABI=%APP_ABI%&compatMode=%COMPATIBILITY_MODE%`;
    expect(elementText(html, 'snippet-install-rdf')).toBe(
      `<em:updateURL>${adaptive.replaceAll('&', '&amp;')}</em:updateURL>\n<em:updateKey>${server.updateKey}</em:updateKey>`,
    );
    expect(html).not.toContain('snippet-manifest-json');
    // Filled in as Firefox 52 on Linux would: the answer is this add-on's signed update.rdf.
    const filled = adaptive
      .replace('%REQ_VERSION%', '2').replace('%ITEM_ID%', encodeURIComponent(LEGACY)).replace('%ITEM_VERSION%', '1.0')
      .replace('%APP_ID%', encodeURIComponent(FIREFOX_ID)).replace('%APP_VERSION%', '52.0').replace('%APP_OS%', 'Linux')
      .replace('%APP_ABI%', 'x86_64-gcc3').replace('%COMPATIBILITY_MODE%', 'normal');
    const answer = await fetch(filled);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('<em:version>1.1</em:version>');
  });

  it('gives manifest.json lines and previews the served update.json of a WebExtension', async () => {
    const html = await page(WEBEXT);
    const snippet = JSON.parse(`{${elementText(html, 'snippet-manifest-json')}}`);
    expect(snippet).toEqual({ browser_specific_settings: { gecko: { id: WEBEXT, update_url: `${server.url}/updates/${encodeURIComponent(WEBEXT)}/update.json` } } });
    expect(html).not.toContain('snippet-install-rdf');
    const json = await served(WEBEXT, 'update.json');
    expect(JSON.parse(json).addons[WEBEXT].updates[0].version).toBe('2.0');
    expect(elementText(html, 'preview-update-json')).toBe(json);
    expect(elementText(html, 'preview-update-rdf')).toBe(await served(WEBEXT));
  });

  it('links hosted release notes at locales that exist, never at a literal %APP_LOCALE%', async () => {
    const html = await page(LEGACY);
    const links = hrefs(html);
    expect(links.filter((h) => h.includes('%APP_LOCALE%'))).toEqual([]);
    const base = `${server.url}/notes/${encodeURIComponent(LEGACY)}/1.0`;
    expect(links).toContain(base);
    expect(links).toContain(`${base}/de`);
    expect(await (await fetch(base)).text()).toContain('Default notes.');
    expect(await (await fetch(`${base}/de`)).text()).toContain('Deutsche Notizen.');
    // What the manifests say is still shown, as text.
    expect(html).toContain(`${base}/%APP_LOCALE%`);
  });

  it('keeps a refused range as typed and shows why next to its fields; nothing is re-signed', async () => {
    const before = await served(LEGACY);
    const csrf = await admin.csrf(`/admin/addons/${encodeURIComponent(LEGACY)}`);
    const res = await admin.post(versionPath(LEGACY, '1.1', 'range'), { _csrf: csrf, appId: FIREFOX_ID, minVersion: '3.6', maxVersion: 'not a version!' });
    expect(res.status).toBe(400);
    const html = await res.text();
    const form = /<form class="range"[\s\S]*?<\/form>/.exec(html.slice(html.indexOf('id="v-1_1"')))![0];
    expect(form).toContain('value="not a version!"');
    expect(form).toMatch(/name="maxVersion" value="not a version!"[^>]*aria-invalid="true"/);
    expect(form).not.toMatch(/name="minVersion"[^>]*aria-invalid/);
    expect(form).toMatch(/class="field-error"[^>]*>The maxVersion for Firefox &quot;not a version!&quot; is not a valid application version/);

    const swapped = await admin.post(versionPath(LEGACY, '1.1', 'range'), { _csrf: csrf, appId: FIREFOX_ID, minVersion: '60.0', maxVersion: '50.*' });
    expect(swapped.status).toBe(400);
    const swappedForm = /<form class="range"[\s\S]*?<\/form>/.exec((await swapped.text()).split('id="v-1_1"')[1]!)![0];
    expect(swappedForm.match(/aria-invalid="true"/g)).toHaveLength(2);
    expect(swappedForm).toContain('minVersion 60.0 above maxVersion 50.*');
    expect(await served(LEGACY)).toBe(before);
  });

  it('asks before withdrawing, withdraws, and restores from the add-on page', async () => {
    const withdraw = versionPath(LEGACY, '1.0', 'withdraw');
    let html = await page(LEGACY);
    expect(html).not.toMatch(/<form[^>]*action="[^"]*\/withdraw"/);
    expect(html).toContain(`href="${withdraw}"`);
    const confirm = await admin.request(withdraw);
    expect(confirm.status).toBe(200);
    const confirmHtml = await confirm.text();
    expect(confirmHtml).toContain('name="confirm" value="yes"');
    expect(confirmHtml).toContain(`action="${withdraw}"`);

    const csrf = await admin.csrf(withdraw);
    // Without the confirmation the answer is the question again, and nothing changes.
    const unconfirmed = await admin.post(withdraw, { _csrf: csrf });
    expect(unconfirmed.status).toBe(200);
    expect(await unconfirmed.text()).toContain('name="confirm" value="yes"');
    expect(await served(LEGACY)).toContain('<em:version>1.0</em:version>');

    const done = await admin.post(withdraw, { _csrf: csrf, confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/admin/addons/${encodeURIComponent(LEGACY)}#v-1_0`);
    expect(await served(LEGACY)).not.toContain('<em:version>1.0</em:version>');

    html = await page(LEGACY);
    expect(html).toContain('was withdrawn');
    const restore = versionPath(LEGACY, '1.0', 'restore');
    expect(html).toMatch(new RegExp(`<form method="post" action="${restore.replace(/[.?]/g, '\\$&')}"`));
    const restored = await admin.post(restore, { _csrf: csrf });
    expect(restored.status).toBe(303);
    expect(await served(LEGACY)).toContain('<em:version>1.0</em:version>');
    expect(await page(LEGACY)).toContain('1.0 is served again');
    const file = await fetch(`${server.url}/files/${encodeURIComponent(LEGACY)}/${encodeURIComponent('page-legacy@example.org-1.0.xpi')}`);
    expect(file.status).toBe(200);

    const log = await server.outpost.audit.recent(10);
    const changes = log.filter((e) => e.target === LEGACY && (e.action === 'withdraw' || e.action === 'restore'));
    expect(changes.map((e) => [e.action, e.actor, e.details])).toEqual([
      ['restore', 'admin:admin', { version: '1.0' }],
      ['withdraw', 'admin:admin', { version: '1.0' }],
    ]);
    expect(changes[0]!.revision).toBe(changes[1]!.revision! + 1);

    const activity = bodyRows(await (await admin.request(`/admin/activity?addon=${encodeURIComponent(LEGACY)}`)).text()).join('\n');
    expect(activity).toContain('Withdrew 1.0');
    expect(activity).toContain('Restored 1.0');

    const unknown = await admin.post(versionPath(LEGACY, '9.9', 'restore'), { _csrf: csrf });
    expect(unknown.status).toBe(303);
    expect(await page(LEGACY)).toContain('has no version 9.9');
  });
});
