import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNames } from '../../src/storage/objects/object-bytes.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { cliRunner } from '../helpers/cli.ts';
import { buildJpl, signerFor, type JplSigner } from '../helpers/jami-jpl.ts';
import { jamiPki } from '../helpers/jami-pki.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { serverBackends } from '../helpers/server-backends.ts';

const ID = 'SecretPlugin';
const OTHER = 'OpenPlugin';
const LINUX = 'x86_64-linux-gnu';
const admin = { name: 'admin:test', keyName: 'default', admin: true };
const createHashOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Private Jami plugins and `jami <id>` feeds: a private plugin is unknown to the public store API,
 * catalog and collections and its files leave public/; a Jami client pointed at
 * /feeds/<secret>/jami sees it (list, details, versions, download, icon, background).
 */
describe.each(serverBackends('jami-feeds'))('Jami plugin feeds on a %s', (backend, env) => {
  let server: TestServer;
  let signer: JplSigner;
  const api = async (method: string, p: string, token = server.token) => {
    const res = await fetch(`${server.url}/api/v1/${p}`, { method, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const send = async (id: string, version: string) => {
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(await buildJpl({ id, version, signWith: signer }))]), 'plugin.jpl');
    const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as { warnings: string[] };
  };
  const storePaths = (id: string) => ['', `details/${id}`, `versions/${id}`, `download/${LINUX}/${id}`, `icons/${id}`, `backgrounds/${id}`].map((p) => `jami/${p}?arch=${LINUX}`);

  beforeAll(async () => {
    const pki = await jamiPki();
    signer = signerFor(pki, pki.plugin, pki.org);
    const anchor = path.join(mkdtempSync(path.join(tmpdir(), 'outpost-jami-feeds-')), 'anchor.pem');
    writeFileSync(anchor, pki.root.pem);
    server = await startServer({ env: { OUTPOST_JAMI_TRUST_ANCHORS: anchor, ...(await env()) } });
    await send(ID, '1.0.0');
    await send(OTHER, '1.0.0');
    await server.outpost.collections.create('calls', { title: 'Calls', description: '', members: `jami ${ID}\njami ${OTHER}` }, admin);
  });
  afterAll(() => server?.close());

  it('a private plugin is unknown to the public store, catalog and collections, and leaves public/', async () => {
    for (const p of storePaths(ID).slice(1)) expect((await rawGet(`${server.url}/${p}`)).status, p).toBe(200);
    expect(await api('POST', `jami/${ID}/visibility/private`)).toMatchObject({ status: 200, body: { id: ID, private: true } });
    for (const p of storePaths(ID).slice(1)) expect((await rawGet(`${server.url}/${p}`)).status, p).toBe(404);
    const list = JSON.parse((await rawGet(`${server.url}/jami/?arch=${LINUX}`)).body.toString()) as { id: string }[];
    expect(list.map((p) => p.id)).toEqual([OTHER]);
    expect(await listNames(server.outpost.objects, `public/jami/${ID}/`)).toEqual([]);
    expect((await rawGet(`${server.url}/catalog/jami/${ID}`)).status).toBe(404);
    expect((await rawGet(`${server.url}/catalog`)).body.toString()).not.toContain(ID);
    expect((await rawGet(`${server.url}/collections/calls.json`)).body.toString()).not.toContain(ID);
    // Idempotent; a bad value or an unknown plugin is refused with a code.
    expect((await api('POST', `jami/${ID}/visibility/private`)).status).toBe(200);
    expect((await api('POST', `jami/${ID}/visibility/hidden`)).body.error.code).toBe('VISIBILITY_INVALID');
    expect((await api('POST', 'jami/Nobody/visibility/private')).body.error.code).toBe('NOT_FOUND');
  });

  let feed = '';
  it('a feed serves the store API for its plugin only, privately cached, files byte for byte', async () => {
    const created = await api('POST', `feeds?scope=${encodeURIComponent(`jami ${ID}`)}&label=phones`);
    expect(created).toMatchObject({ status: 201, body: { scope: `jami ${ID}` } });
    feed = created.body.url;
    for (const p of storePaths(ID)) {
      const res = await rawGet(`${feed}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers['cache-control'], p).toMatch(/^private, /);
    }
    const list = JSON.parse((await rawGet(`${feed}jami/?arch=${LINUX}`)).body.toString()) as { id: string }[];
    expect(list.map((p) => p.id)).toEqual([ID]);
    const record = server.outpost.plugins.get(ID)!;
    const download = await rawGet(`${feed}jami/download/${LINUX}/${ID}`);
    expect(createHashOf(download.body)).toBe(record.versions[0]!.sha256);
    for (const p of storePaths(OTHER).slice(1)) expect((await rawGet(`${feed}${p}`)).status, p).toBe(404);
    // A feed of another kind has no store.
    const { token } = await server.outpost.feeds.create({ kind: 'vpn', id: 'production' }, '', admin);
    expect((await rawGet(`${server.url}/feeds/${token}/jami/?arch=${LINUX}`)).status).toBe(404);
  });

  it('a new version of a private plugin goes to its feed only; a collection feed links its store', async () => {
    const answer = await send(ID, '1.1.0');
    expect(answer.warnings.join('\n')).toContain('This plugin is private');
    expect(await listNames(server.outpost.objects, `public/jami/${ID}/`)).toEqual([]);
    const versions = JSON.parse((await rawGet(`${feed}jami/versions/${ID}?arch=${LINUX}`)).body.toString()) as { version: string }[];
    expect(versions.map((v) => v.version)).toEqual(['1.1.0', '1.0.0']);
    const { token } = await server.outpost.feeds.create({ kind: 'collection', id: 'calls' }, '', admin);
    const page = JSON.parse((await rawGet(`${server.url}/feeds/${token}/collections/calls.json`)).body.toString());
    for (const m of page.members) {
      expect(m.downloads[0].url.startsWith(`${server.url}/feeds/${token}/jami/download/`)).toBe(true);
      expect((await rawGet(m.downloads[0].url)).status).toBe(200);
    }
  });

  it('made public again: its files back in public/, the public store lists it', async () => {
    expect((await api('POST', `jami/${ID}/visibility/public`)).body.private).toBe(false);
    for (const p of storePaths(ID).slice(1)) expect((await rawGet(`${server.url}/${p}`)).status, p).toBe(200);
    expect(await listNames(server.outpost.objects, `private/jami-feed-files/${ID}/`)).toEqual([]);
  });

  // The admin pages and the CLI read and write through the same service on either backend: once.
  if (backend === 'folder') {
    it('the admin and the CLI switch it and make its feeds', async () => {
      const client = new AdminClient(server.url);
      expect((await client.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
      expect(await (await client.request('/admin/jami')).text()).toContain(ID);
      const page = `/admin/jami/${ID}`;
      expect((await client.post(`${page}/visibility`, { _csrf: await client.csrf(page), visibility: 'private' })).status).toBe(303);
      expect(await (await client.request(page)).text()).toContain('Make public');
      expect((await rawGet(`${server.url}/jami/details/${ID}`)).status).toBe(404);
      expect(await (await client.request('/admin/feeds')).text()).toContain(`jami ${ID}`);
      const { run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
      expect(await run('visibility', '--jami', ID, 'public')).toMatchObject({ code: 0, stdout: `${ID} is public.\n` });
      const created = await run('feed', 'create', '--jami', ID);
      expect(created.code).toBe(0);
      expect((await rawGet(`${created.stdout.trim().split('\n').pop()!}jami/details/${ID}`)).status).toBe(200);
    });
  }
});
