import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../helpers/admin-client.ts';
import { cliRunner } from '../helpers/cli.ts';
import { buildExtensionZip, extensionManifest } from '../helpers/crx-build.ts';
import { elementText } from '../helpers/html.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { snapshotTree } from '../helpers/snapshot.ts';

/** Withdraw and restore of Chromium extension versions (API and admin), listings, start-up repair. */
describe('Chromium extension versions', () => {
  let server: TestServer;
  let otherToken: string;
  let id: string;
  /** The first start's admin password (later starts print none). */
  let password: string;
  const api = (method: string, url: string, token = server.token) => fetch(`${server.url}/api/v1${url}`, { method, headers: { authorization: `Bearer ${token}` } });
  const send = async (version: string) => {
    const form = new FormData();
    const zip = await buildExtensionZip(extensionManifest({ version, name: 'Policy Tool', update_url: `${server.url}/chromium/updates.xml` }));
    form.set('package', new Blob([new Uint8Array(zip)]), 'ext.zip');
    const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** What Chromium with `installed` would be offered: the version in the answer, or 'noupdate'. */
  const offered = async (installed: string) => {
    const xml = await (await fetch(`${server.url}/chromium/updates.xml?x=${encodeURIComponent(`id=${id}&v=${installed}&uc`)}`)).text();
    return /status="noupdate"/.test(xml) || !/codebase=/.test(xml) ? 'noupdate' : /version="([^"]+)"/.exec(xml.slice(xml.indexOf('<updatecheck')))![1];
  };
  const staticDocument = () => readFileSync(path.join(server.outpost.config.dataDir, 'public', 'updates', id, 'updates.xml'), 'utf8');
  const crxPath = (version: string) => path.join(server.outpost.config.dataDir, 'public', 'files', id, `${id}-${version}.crx`);

  beforeAll(async () => {
    server = await startServer();
    password = server.firstRun.admin!.password;
    await server.outpost.keys.create('other');
    otherToken = (await server.outpost.tokens.create('other', 'not the owner')).token;
    id = (await send('1.0')).body.id;
    expect((await send('2.0')).status).toBe(201);
  });
  afterAll(() => server?.close());

  it('lists extensions with the policy line and update_url to deploy', async () => {
    const list = (await (await api('GET', '/chromium')).json()) as any;
    expect(list.extensions).toHaveLength(1);
    expect(list.extensions[0]).toMatchObject({
      id,
      name: 'Policy Tool',
      latestVersion: '2.0',
      deployment: { policyLine: `${id};${server.url}/chromium/updates.xml`, updateUrl: `${server.url}/chromium/updates.xml`, staticUrl: `${server.url}/updates/${id}/updates.xml` },
    });
    expect(list.extensions[0].versions.map((v: any) => v.version)).toEqual(['2.0', '1.0']);
    expect((await api('GET', '/chromium/abcdefghijklmnopabcdefghijklmnop')).status).toBe(404);
  });

  it('withdraws 2.0 from every answer and the public tree, idempotently, and restores it', async () => {
    expect(await offered('1.0')).toBe('2.0');
    // Only the owner's key (or an admin) may change it; that refusal changes nothing.
    const before = snapshotTree(server.outpost.config.dataDir);
    const refused = await api('DELETE', `/chromium/${id}/versions/2.0`, otherToken);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).error.code).toBe('ADDON_OWNED_BY_OTHER_KEY');
    expect(snapshotTree(server.outpost.config.dataDir)).toEqual(before);
    expect((await api('DELETE', `/chromium/${id}/versions/9.9`)).status).toBe(404);

    const withdrawn = await api('DELETE', `/chromium/${id}/versions/2.0`);
    expect(withdrawn.status).toBe(200);
    expect(((await withdrawn.json()) as any).versions[1]).toMatchObject({ version: '2.0', links: {} });
    expect(await offered('1.0')).toBe('noupdate');
    expect(await offered('0.0.0.0')).toBe('1.0');
    expect(staticDocument()).toContain('version="1.0"');
    expect(staticDocument()).not.toContain('version="2.0"');
    expect((await rawGet(`${server.url}/files/${id}/${id}-2.0.crx`)).status).toBe(404);
    expect(existsSync(crxPath('2.0'))).toBe(false);
    // Again: the same answer, no second audit entry.
    expect((await api('DELETE', `/chromium/${id}/versions/2.0`)).status).toBe(200);
    // Publishing the same bytes again does not bring it back behind the owner's back.
    expect((await send('2.0')).body.error?.code).toMatch(/VERSION_(WITHDRAWN|EXISTS)/);

    expect((await api('POST', `/chromium/${id}/versions/2.0/restore`)).status).toBe(200);
    expect(await offered('1.0')).toBe('2.0');
    expect((await rawGet(`${server.url}/files/${id}/${id}-2.0.crx`)).status).toBe(200);
    // The CLI's withdraw/restore know a Chromium id by its shape.
    const { run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
    expect(await run('withdraw', id, '2.0')).toMatchObject({ code: 0, stdout: `Withdrew ${id} 2.0. Offered now: 1.0.\n` });
    expect(await offered('1.0')).toBe('noupdate');
    expect(await run('restore', id, '2.0')).toMatchObject({ code: 0, stdout: `Restored ${id} 2.0. Offered now: 2.0, 1.0.\n` });
    expect(await offered('1.0')).toBe('2.0');
    const audit = readFileSync(path.join(server.outpost.config.dataDir, 'private', 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.target === id).map((e) => e.action)).toEqual(['publish', 'publish', 'withdraw', 'restore', 'withdraw', 'restore']);
  });

  it('repairs at start what a crash left: a stray package, a withdrawn file still served, a stale updates.xml', async () => {
    const dir = server.dir;
    await server.close();
    // A publish that died before its record was saved, a withdraw that died before moving the file.
    writeFileSync(crxPath('3.0'), 'never acknowledged');
    const record = path.join(dir, 'storage', 'private', 'chromium', `${id}.json`);
    const saved = JSON.parse(readFileSync(record, 'utf8'));
    saved.versions.find((v: any) => v.version === '2.0').withdrawnAt = new Date().toISOString();
    writeFileSync(record, JSON.stringify(saved));
    // A new public URL: the static document must name the new host.
    server = await startServer({ dir });
    expect(existsSync(crxPath('3.0'))).toBe(false);
    expect(existsSync(crxPath('2.0'))).toBe(false);
    expect(staticDocument()).toContain(`codebase="${server.url}/files/${id}/${id}-1.0.crx"`);
    rmSync(path.join(dir, 'storage', 'public', 'updates', id, 'updates.xml'));
    await server.close();
    server = await startServer({ dir });
    expect(staticDocument()).toContain('version="1.0"');
  });

  it('shows each extension in the admin with a paste-ready policy line, and withdraws only after confirming', async () => {
    const admin = new AdminClient(server.url);
    expect((await admin.signIn('admin', password)).status).toBe(303);
    const list = await (await admin.request('/admin/chromium')).text();
    expect(list).toContain(`${id};${server.url}/chromium/updates.xml`);
    const page = await (await admin.request(`/admin/chromium/${id}`)).text();
    expect(elementText(page, 'snippet-policy-line')).toBe(`${id};${server.url}/chromium/updates.xml`);
    expect(elementText(page, 'snippet-update-url')).toBe(`"update_url": "${server.url}/chromium/updates.xml"`);
    expect(JSON.parse(elementText(page, 'snippet-policy-json'))).toEqual({ ExtensionInstallForcelist: [`${id};${server.url}/chromium/updates.xml`] });

    const csrf = await admin.csrf(`/admin/chromium/${id}`);
    // Without the confirmation field the question comes back and nothing changes.
    const asked = await admin.post(`/admin/chromium/${id}/versions/1.0/withdraw`, { _csrf: csrf });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('Withdraw Policy Tool 1.0?');
    expect(await offered('0.0.0.0')).toBe('1.0');
    const done = await admin.post(`/admin/chromium/${id}/versions/1.0/withdraw`, { _csrf: csrf, confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(await offered('0.0.0.0')).toBe('noupdate');
    expect(await (await admin.request(`/admin/chromium/${id}`)).text()).toContain('Restore 1.0');
    expect((await admin.post(`/admin/chromium/${id}/versions/1.0/restore`, { _csrf: csrf })).status).toBe(303);
    expect(await offered('0.0.0.0')).toBe('1.0');
    expect((await admin.request('/admin/chromium/nonexistent')).status).toBe(404);

    // The upload form takes an extension ZIP too and answers with what to deploy.
    const zip = await buildExtensionZip(extensionManifest({ version: '3.0', name: 'Policy Tool', update_url: `${server.url}/chromium/updates.xml` }));
    const uploaded = await admin.upload(zip, 'tool.zip', { key: 'default' });
    const html = await uploaded.text();
    expect(uploaded.status, html).toBe(201);
    expect(html).toContain(`data-copy="${id};${server.url}/chromium/updates.xml"`);
    expect(await offered('2.0')).toBe('3.0');
  });
});
