import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNames } from '../../src/storage/objects/object-bytes.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { cliRunner } from '../helpers/cli.ts';
import { buildExtensionZip, extensionManifest } from '../helpers/crx-build.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { serverBackends } from '../helpers/server-backends.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
const UNKNOWN = 'abcdefghijklmnopabcdefghijklmnop';
const admin = { name: 'admin:test', keyName: 'default', admin: true };

/**
 * Private Chromium extensions and `chromium <id>` feeds: a private extension is an unknown id on
 * every public path (the shared gupdate check too) and its bytes leave public/; a feed answers
 * gupdate with codebases under itself and serves the .crx; a collection feed grants its Chromium
 * members, its policy's update URL under the feed.
 */
describe.each(serverBackends('chromium-feeds'))('Chromium extension feeds on a %s', (backend, env) => {
  let server: TestServer;
  let id = '';
  let other = '';
  /** sha256 of each published .crx, as the publish answered it. */
  const crx: Record<string, string> = {};
  const api = async (method: string, p: string) => {
    const res = await fetch(`${server.url}/api/v1/${p}`, { method, headers: { authorization: `Bearer ${server.token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** A packed extension of the token's key (one id per key). */
  let lastWarnings: string[] = [];
  const send = async (version: string, token = server.token) => {
    const form = new FormData();
    const zip = await buildExtensionZip(extensionManifest({ version, name: `Tool ${version}`, icons: { 16: 'i.png' } }), { 'i.png': png });
    form.set('package', new Blob([new Uint8Array(zip)]), 'ext.zip');
    const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(201);
    crx[`${body.id} ${version}`] = body.sha256;
    lastWarnings = body.warnings;
    return body.id as string;
  };
  const check = (base: string, ...ids: string[]) => rawGet(`${base}chromium/updates.xml?${ids.map((i) => `x=${encodeURIComponent(`id=${i}&v=0.1&uc`)}`).join('&')}`);
  const publicOf = async (extension: string) => [
    ...(await listNames(server.outpost.objects, `public/files/${extension}/`)),
    ...(await listNames(server.outpost.objects, `public/updates/${extension}/`)),
    ...(await listNames(server.outpost.objects, `public/icons/${extension}/`)),
  ];

  let otherToken = '';
  beforeAll(async () => {
    server = await startServer({ env: await env() });
    id = await send('1.0');
    await server.outpost.keys.create('other');
    otherToken = (await server.outpost.tokens.create('other', 'second')).token;
    other = await send('1.0', otherToken);
    await server.outpost.collections.create('tools', { title: 'Tools', description: '', members: `chromium ${id}\nchromium ${other}` }, admin);
  });
  afterAll(() => server?.close());

  it('a private extension is an unknown id on every public path, and leaves public/, the catalog and public collections', async () => {
    const paths = [`/updates/${id}/updates.xml`, `/files/${id}/${id}-1.0.crx`, `/catalog/chromium/${id}`];
    for (const p of paths) expect((await rawGet(`${server.url}${p}`)).status, p).toBe(200);
    expect(await publicOf(id)).not.toEqual([]);
    const res = await api('POST', `chromium/${id}/visibility/private`);
    expect(res).toMatchObject({ status: 200, body: { id, private: true } });
    for (const p of paths) expect((await rawGet(`${server.url}${p}`)).status, p).toBe(404);
    expect(await publicOf(id)).toEqual([]);
    // The shared check answers it exactly as an id it never heard of.
    const [asked, unknown] = [await check(`${server.url}/`, id), await check(`${server.url}/`, UNKNOWN)];
    expect(asked.body.toString().replace(id, UNKNOWN)).toBe(unknown.body.toString());
    expect((await check(`${server.url}/`, other)).body.toString()).toContain('codebase=');
    const catalog = (await rawGet(`${server.url}/catalog`)).body.toString();
    expect(catalog).toContain(other);
    expect(catalog).not.toContain(id);
    const collection = (await rawGet(`${server.url}/collections/tools.json`)).body.toString();
    expect(collection).toContain(other);
    expect(collection).not.toContain(id);
    // Asking again changes nothing; a bad visibility or id is refused with a code.
    expect((await api('POST', `chromium/${id}/visibility/private`)).status).toBe(200);
    expect((await api('POST', `chromium/${id}/visibility/hidden`)).body.error.code).toBe('VISIBILITY_INVALID');
    expect((await api('POST', `chromium/${UNKNOWN}/visibility/private`)).status).toBe(404);
    // To another key's token it is an unknown id in the API, feeds included.
    const asOther = (method: string, p: string) => fetch(`${server.url}/api/v1/${p}`, { method, headers: { authorization: `Bearer ${otherToken}` } });
    expect(JSON.stringify(await (await asOther('GET', 'chromium')).json())).not.toContain(id);
    for (const [method, p] of [['GET', `chromium/${id}`], ['POST', `chromium/${id}/visibility/public`], ['DELETE', `chromium/${id}/versions/1.0`]]) {
      expect((await (await asOther(method!, p!)).json()).error.code, p).toBe('NOT_FOUND');
    }
    expect((await (await asOther('POST', `feeds?scope=${encodeURIComponent(`chromium ${id}`)}`)).json()).error.code).toBe('FEED_INVALID');
  });

  let feed = '';
  it('a feed answers gupdate with codebases under itself and serves the .crx, privately cached', async () => {
    const created = await api('POST', `feeds?scope=${encodeURIComponent(`chromium ${id}`)}&label=fleet`);
    expect(created).toMatchObject({ status: 201, body: { scope: `chromium ${id}` } });
    feed = created.body.url;
    const own = await rawGet(`${feed}updates/${id}/updates.xml`);
    expect(own.status).toBe(200);
    expect(own.headers['cache-control']).toBe('private, max-age=60');
    expect(own.body.toString()).toContain(`codebase="${feed}files/${id}/${id}-1.0.crx"`);
    const shared = (await check(feed, id, other)).body.toString();
    expect(shared).toContain(`codebase="${feed}files/${id}/${id}-1.0.crx"`);
    // Every id the feed does not grant: as unknown, public or not.
    expect(shared).toMatch(new RegExp(`appid="${other}" status="ok">\\s*<updatecheck status="noupdate"/>`));
    const pkg = await rawGet(`${feed}files/${id}/${id}-1.0.crx`);
    expect(pkg.status).toBe(200);
    expect(sha256(pkg.body)).toBe(crx[`${id} 1.0`]);
    expect((await rawGet(`${feed}files/${other}/${other}-1.0.crx`)).status).toBe(404);
    expect((await rawGet(`${feed}updates/${other}/updates.xml`)).status).toBe(404);
    expect((await check(feed, '%zz')).status).toBe(400);
  });

  it('a new version of a private extension goes to its feed only', async () => {
    await send('2.0');
    expect(lastWarnings.join('\n')).toContain('This extension is private');
    expect(await publicOf(id)).toEqual([]);
    expect(await server.outpost.objects.head(`private/feed-files/${id}/${id}-2.0.crx`)).toBeDefined();
    expect((await rawGet(`${feed}updates/${id}/updates.xml`)).body.toString()).toContain(`version="2.0"`);
    expect(sha256((await rawGet(`${feed}files/${id}/${id}-2.0.crx`)).body)).toBe(crx[`${id} 2.0`]);
  });

  it('a collection feed grants its Chromium members, links and policy under the feed', async () => {
    const { token } = await server.outpost.feeds.create({ kind: 'collection', id: 'tools' }, '', admin);
    const base = `${server.url}/feeds/${token}/`;
    const page = JSON.parse((await rawGet(`${base}collections/tools.json`)).body.toString());
    expect(page.members.map((m: any) => m.id)).toEqual([id, other]);
    expect(page.policies.chromium.ExtensionInstallForcelist).toEqual([`${id};${base}chromium/updates.xml`, `${other};${base}chromium/updates.xml`]);
    const xml = (await check(base, id, other)).body.toString();
    expect(xml).toContain(`codebase="${base}files/${id}/${id}-2.0.crx"`);
    expect(xml).toContain(`codebase="${base}files/${other}/${other}-1.0.crx"`);
    for (const m of page.members) expect((await rawGet(m.downloads[0].url)).status).toBe(200);
  });

  it('made public again: every byte back in public/, the feed still serving', async () => {
    expect((await api('POST', `chromium/${id}/visibility/public`)).body.private).toBe(false);
    expect(sha256((await rawGet(`${server.url}/files/${id}/${id}-2.0.crx`)).body)).toBe(crx[`${id} 2.0`]);
    expect((await rawGet(`${server.url}/updates/${id}/updates.xml`)).body.toString()).toContain(`codebase="${server.url}/files/${id}/${id}-2.0.crx"`);
    expect(await listNames(server.outpost.objects, `private/feed-files/${id}/`)).toEqual([]);
    expect((await rawGet(`${feed}updates/${id}/updates.xml`)).status).toBe(200);
  });

  // The admin pages and the CLI read and write through the same service on either backend: once.
  if (backend === 'folder') {
    it('the admin and the CLI switch it and make its feeds', async () => {
      const client = new AdminClient(server.url);
      expect((await client.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
      const page = `/admin/chromium/${id}`;
      expect(await (await client.request(page)).text()).toContain('Make private (feeds only)');
      expect((await client.post(`${page}/visibility`, { _csrf: await client.csrf(page), visibility: 'private' })).status).toBe(303);
      expect((await rawGet(`${server.url}/updates/${id}/updates.xml`)).status).toBe(404);
      expect(await (await client.request('/admin/feeds')).text()).toContain(`chromium ${id}`);

      const { run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
      expect(await run('visibility', '--chromium', id, 'public')).toMatchObject({ code: 0, stdout: `${id} is public.\n` });
      expect((await rawGet(`${server.url}/updates/${id}/updates.xml`)).status).toBe(200);
      const created = await run('feed', 'create', '--chromium', id, '--label', 'cli');
      expect(created.code).toBe(0);
      expect((await rawGet(`${created.stdout.trim().split('\n').pop()!}updates/${id}/updates.xml`)).status).toBe(200);
      expect((await run('feed', 'create', 'x@example.org', '--chromium', id)).code).toBe(2);
    });
  }
});
