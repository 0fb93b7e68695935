import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../helpers/admin-client.ts';
import { buildXpi, FIREFOX_ID, installRdf, webextManifest } from '../helpers/build-xpi.ts';
import { buildExtensionZip } from '../helpers/crx-build.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { snapshotTree } from '../helpers/snapshot.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

/**
 * Collections: made in the admin from published add-ons of every kind, served as a public page
 * and JSON with policies that install them; withdrawn versions are never offered, bad member lists
 * change nothing, and everything shown is escaped.
 */
describe('collections', () => {
  let server: TestServer;
  let admin: AdminClient;
  let chromiumId = '';
  let webextFile = '';

  beforeAll(async () => {
    server = await startServer();
    const web = await publish(server, server.token, await buildXpi({ 'manifest.json': webextManifest({ id: 'web@example.org', version: '2.0', name: 'Web <b>tool</b>' }) }));
    expect(web.status).toBe(201);
    webextFile = web.body.links.download;
    const legacy = await publish(server, server.token, await buildXpi({ 'install.rdf': installRdf({ id: 'legacy@example.org', version: '1.0', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) }));
    expect(legacy.status).toBe(201);
    const crx = await publish(server, server.token, await buildExtensionZip(), { kind: 'chromium' });
    expect(crx.status, JSON.stringify(crx.body)).toBe(201);
    chromiumId = crx.body.id;
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(fixture('none'))]), 'message_demo.rcc');
    expect((await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } })).status).toBe(201);
    admin = new AdminClient(server.url);
    expect((await admin.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
  });
  afterAll(() => server?.close());

  const members = () => `# the team's browser set\naddon web@example.org\naddon legacy@example.org\nchromium ${chromiumId}\nvpn message_demo`;

  it('creates a collection in the admin and serves its page and JSON with ready policies', async () => {
    const csrf = await admin.csrf('/admin/collections');
    const created = await admin.post('/admin/collections', { _csrf: csrf, name: 'team', title: 'Team <set>', description: 'For "everyone"', members: members() });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/admin/collections/team');

    const json = await rawGet(`${server.url}/collections/team.json`);
    expect(json.status).toBe(200);
    expect(json.headers['cache-control']).toBe('public, max-age=60');
    const body = JSON.parse(json.body.toString('utf8'));
    expect(body.members.map((m: { kind: string; id: string; version: string }) => [m.kind, m.id, m.version])).toEqual([
      ['addon', 'web@example.org', '2.0'],
      ['addon', 'legacy@example.org', '1.0'],
      ['chromium', chromiumId, '1.0'],
      ['vpn', 'message_demo', ''],
    ]);
    // Only the WebExtension can be forced in by policy; updates come from its update_url.
    expect(body.policies.firefox).toEqual({ policies: { ExtensionSettings: { 'web@example.org': { installation_mode: 'force_installed', install_url: webextFile } } } });
    expect(body.policies.chromium).toEqual({ ExtensionInstallForcelist: [`${chromiumId};${server.url}/chromium/updates.xml`] });
    for (const m of body.members) for (const d of m.downloads) expect((await rawGet(d.url)).status, d.url).toBe(200);

    const page = await rawGet(`${server.url}/collections/team`);
    const html = page.body.toString('utf8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(html).toContain('Team &lt;set&gt;');
    expect(html).toContain('Web &lt;b&gt;tool&lt;/b&gt;');
    expect(html).not.toContain('<b>tool</b>');
    expect(html).toContain('ExtensionInstallForcelist');
    expect((await rawGet(`${server.url}/collections/nobody`)).status).toBe(404);
  });

  it('never offers a withdrawn version, and says a member has nothing offered', async () => {
    const res = await fetch(`${server.url}/api/v1/addons/legacy%40example.org/versions/1.0`, { method: 'DELETE', headers: { authorization: `Bearer ${server.token}` } });
    expect(res.status).toBe(200);
    const body = JSON.parse((await rawGet(`${server.url}/collections/team.json`)).body.toString('utf8'));
    expect(body.members[1]).toMatchObject({ id: 'legacy@example.org', downloads: [] });
    expect(body.members[1].version).toBeUndefined();
    expect((await rawGet(`${server.url}/collections/team`)).body.toString()).toContain('not offered now');
  });

  it('refuses bad names and member lists with a reason, changing nothing', async () => {
    const csrf = await admin.csrf('/admin/collections/team');
    const before = snapshotTree(server.outpost.config.dataDir);
    const cases: [string, Record<string, string>, string][] = [
      ['/admin/collections', { name: 'Bad Name', title: 't', members: '' }, 'COLLECTION_NAME_INVALID'],
      ['/admin/collections', { name: 'team', title: 't', members: '' }, 'COLLECTION_EXISTS'],
      ['/admin/collections/team', { title: 't', members: 'addon nobody@example.org' }, 'COLLECTION_INVALID'],
      ['/admin/collections/team', { title: 't', members: 'theme x@y' }, 'COLLECTION_INVALID'],
      ['/admin/collections/team', { title: 't', members: 'addon web@example.org\naddon web@example.org' }, 'COLLECTION_INVALID'],
      ['/admin/collections/team', { title: 't', members: 'addon web@example.org staging' }, 'COLLECTION_INVALID'],
      ['/admin/collections/team', { title: 't', members: 'vpn message_demo nightly' }, 'COLLECTION_INVALID'],
      ['/admin/collections/team', { title: '', members: '' }, 'COLLECTION_INVALID'],
      ['/admin/collections/team', { title: 'x\u0007', members: '' }, 'COLLECTION_INVALID'],
    ];
    for (const [path, fields, code] of cases) {
      const res = await admin.post(path, { _csrf: csrf, ...fields });
      const html = await res.text();
      expect({ path, fields, status: res.status, code: html.includes(`<code>${code}</code>`) }).toEqual({ path, fields, status: code === 'COLLECTION_EXISTS' ? 409 : 400, code: true });
    }
    expect(snapshotTree(server.outpost.config.dataDir)).toEqual(before);
  });

  it('edits the order and deletes after asking', async () => {
    const csrf = await admin.csrf('/admin/collections/team');
    expect((await admin.post('/admin/collections/team', { _csrf: csrf, title: 'Team', description: '', members: `vpn message_demo\naddon web@example.org` })).status).toBe(303);
    const body = JSON.parse((await rawGet(`${server.url}/collections/team.json`)).body.toString('utf8'));
    expect(body.members.map((m: { id: string }) => m.id)).toEqual(['message_demo', 'web@example.org']);
    const asked = await admin.post('/admin/collections/team/delete', { _csrf: csrf });
    expect(await asked.text()).toContain('Delete the collection Team?');
    expect((await rawGet(`${server.url}/collections/team`)).status).toBe(200);
    expect((await admin.post('/admin/collections/team/delete', { _csrf: csrf, confirm: 'yes' })).status).toBe(303);
    expect((await rawGet(`${server.url}/collections/team.json`)).status).toBe(404);
  });
});
