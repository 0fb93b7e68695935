import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNames } from '../../src/storage/objects/object-bytes.ts';
import { verifyIndex } from '../../src/vpn/vpn-index.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { cliRunner } from '../helpers/cli.ts';
import { vpnManifest } from '../helpers/qt-rcc.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { serverBackends } from '../helpers/server-backends.ts';
import { requireTool } from '../helpers/system-tools.ts';
import { rccOf } from '../unit/vpn/rcc-build.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

const haveOpenssl = requireTool('openssl');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const CHANNELS = { OUTPOST_VPN_CHANNELS: 'staging:/vpn-staging:vpn-staging' };
const SECOND = rccOf({ 'manifest.json': JSON.stringify(vpnManifest('second_addon')) });

/** Every object key under public/ that belongs to the production index folder (/vpn/). */
const publicVpn = async (server: TestServer) => (await listNames(server.outpost.objects, 'public/vpn/')).sort();

/**
 * Feeds of a Mozilla VPN channel, and private channels: the feed serves the channel's own signed
 * bytes under /feeds/<secret>/<prefix>/ (the index names only ids and sha256s, and the client
 * fetches files relative to it); a private channel's files leave public/, its public prefix
 * answers 404, and the catalog and public collections leave it out.
 */
describe.each(serverBackends('vpn-feeds'))('VPN channel feeds on a %s', (_backend, env) => {
  let server: TestServer;
  let scratch: string;
  let otherToken: string;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const api = async (p: string, method = 'GET', token = server.token) => {
    const res = await fetch(`${server.url}/api/v1/${p}`, { method, headers: auth(token) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const send = async (bytes: Buffer, fileName: string) => {
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(bytes)]), fileName);
    const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: auth(server.token) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const key = async () => (await api('vpn/key')).body.pem as string;
  /** The index at `base` (a trusted source URL ending in /), checked with openssl as anyone can. */
  const opensslVerifies = async (base: string): Promise<boolean> => {
    const file = (n: string) => path.join(scratch, n);
    writeFileSync(file('pub.pem'), await key());
    writeFileSync(file('manifest.json'), (await rawGet(`${base}manifest.json`)).body);
    writeFileSync(file('manifest.json.sig'), (await rawGet(`${base}manifest.json.sig`)).body);
    try {
      return execFileSync('openssl', ['dgst', '-sha256', '-verify', file('pub.pem'), '-signature', file('manifest.json.sig'), file('manifest.json')], { encoding: 'utf8' }).trim() === 'Verified OK';
    } catch {
      return false;
    }
  };
  const indexAt = async (base: string) => {
    const [index, signature] = [await rawGet(`${base}manifest.json`), await rawGet(`${base}manifest.json.sig`)];
    return verifyIndex(index.body, signature.body, createPublicKey(await key()), { now: new Date() });
  };
  const createFeed = async (scope: string, token = server.token) => {
    const res = await api(`feeds?scope=${encodeURIComponent(scope)}&label=vpn`, 'POST', token);
    return res;
  };

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'outpost-vpnfeed-'));
    server = await startServer({ env: { ...CHANNELS, ...(await env()) } });
    await server.outpost.keys.create('other');
    otherToken = (await server.outpost.tokens.create('other', 'second publisher')).token;
    expect((await send(fixture('none'), 'message_demo.rcc')).status).toBe(201);
    expect((await send(SECOND, 'second_addon.rcc')).status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves a public channel through its feed: the same signed bytes, every file under the feed, private caching', async () => {
    const created = await createFeed('vpn production');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.scope).toBe('vpn production');
    const base = `${created.body.url}vpn/`;
    for (const name of ['manifest.json', 'manifest.json.sig', 'message_demo.rcc']) {
      const [viaFeed, viaPublic] = [await rawGet(`${base}${name}`), await rawGet(`${server.url}/vpn/${name}`)];
      expect({ name, status: viaFeed.status }).toEqual({ name, status: 200 });
      expect(viaFeed.body.equals(viaPublic.body)).toBe(true);
      expect(viaFeed.headers['cache-control']).toBe('private, max-age=60');
    }
    expect((await rawGet(`${base}message_demo.rcc`)).body.equals(fixture('none'))).toBe(true);
    if (haveOpenssl) expect(await opensslVerifies(base)).toBe(true);
    // Only what the index names, only this channel, nothing of the add-on layout.
    for (const p of ['vpn/nobody.rcc', 'vpn/index.json', 'vpn-staging/manifest.json', 'vpn', 'updates/message_demo/update.json', 'files/message_demo/message_demo.rcc']) {
      expect({ p, status: (await rawGet(`${created.body.url}${p}`)).status }).toEqual({ p, status: 404 });
    }
    expect((await fetch(`${base}manifest.json`, { method: 'POST' })).status).toBe(404);
  });

  it('a token of another key may neither make a feed of the channel nor change it; bad input is refused and changes nothing', async () => {
    const before = await publicVpn(server);
    expect(await createFeed('vpn production', otherToken)).toMatchObject({ status: 403, body: { error: { code: 'FEED_FORBIDDEN' } } });
    expect(await api('vpn/visibility/private', 'POST', otherToken)).toMatchObject({ status: 403, body: { error: { code: 'VPN_CHANNEL_FORBIDDEN' } } });
    expect(await api('vpn/visibility/hidden', 'POST')).toMatchObject({ status: 400, body: { error: { code: 'VISIBILITY_INVALID' } } });
    expect(await api('vpn/visibility/private?channel=nope', 'POST')).toMatchObject({ status: 400, body: { error: { code: 'VPN_CHANNEL_UNKNOWN' } } });
    expect(await createFeed('vpn nope')).toMatchObject({ status: 400, body: { error: { code: 'FEED_INVALID' } } });
    expect(await publicVpn(server)).toEqual(before);
    expect((await api('vpn')).body.private).toBe(false);
  });

  it('a private channel answers 404 on every public path, leaves public/, the catalog and public collections; its feed still serves it', async () => {
    const publicPaths = ['/vpn/manifest.json', '/vpn/manifest.json.sig', '/vpn/message_demo.rcc', '/vpn/second_addon.rcc', '/catalog/vpn/message_demo'];
    for (const p of publicPaths) expect({ p, status: (await rawGet(`${server.url}${p}`)).status }).toEqual({ p, status: 200 });
    const admin = { name: 'admin:test', keyName: '', admin: true };
    await server.outpost.collections.create('vpnset', { title: 'VPN set', description: '', members: 'vpn message_demo' }, admin);
    const collectionFeed = (await server.outpost.feeds.create({ kind: 'collection', id: 'vpnset' }, '', admin)).token;
    expect((await rawGet(`${server.url}/collections/vpnset.json`)).body.toString()).toContain('message_demo');
    const serial = (await indexAt(`${server.url}/vpn/`)).serial;
    const feed = (await createFeed('vpn production')).body.url as string;

    expect(await api('vpn/visibility/private', 'POST')).toMatchObject({ status: 200, body: { channel: 'production', private: true, changed: true } });
    for (const p of publicPaths) expect({ p, status: (await rawGet(`${server.url}${p}`)).status }).toEqual({ p, status: 404 });
    expect(await publicVpn(server)).toEqual([]);
    const catalog = (await rawGet(`${server.url}/catalog?q=message`)).body.toString();
    expect(catalog).not.toContain('message_demo');
    expect((await rawGet(`${server.url}/collections/vpnset.json`)).body.toString()).not.toContain('message_demo');
    // A collection's feed too: the member's links would be the public prefix's, which answers 404.
    const viaCollectionFeed = await rawGet(`${server.url}/feeds/${collectionFeed}/collections/vpnset.json`);
    expect(viaCollectionFeed.status).toBe(200);
    expect(viaCollectionFeed.body.toString()).not.toContain('message_demo');
    // The feed serves the index signed again in its new place, naming the same add-ons.
    const index = await indexAt(`${feed}vpn/`);
    expect(index.serial).toBeGreaterThan(serial!);
    expect(index.addons.map((a) => a.id).sort()).toEqual(['message_demo', 'second_addon']);
    if (haveOpenssl) expect(await opensslVerifies(`${feed}vpn/`)).toBe(true);
    expect((await rawGet(`${feed}vpn/second_addon.rcc`)).body.equals(SECOND)).toBe(true);
    // The staging channel is untouched; asking again changes nothing.
    expect((await api('vpn?channel=staging')).body.private).toBe(false);
    expect(await api('vpn/visibility/private', 'POST')).toMatchObject({ status: 200, body: { private: true, changed: false } });
    // The admin's VPN page says so.
    const client = new AdminClient(server.url);
    await client.signIn('admin', server.firstRun.admin!.password);
    expect(await (await client.request('/admin/vpn')).text()).toContain('Make public');
  });

  it('to another key a private channel takes no new add-on and shows none of the others\'', async () => {
    const other = async (p: string, init: RequestInit = {}) => fetch(`${server.url}/api/v1/${p}`, { ...init, headers: { authorization: `Bearer ${otherToken}` } });
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(rccOf({ 'manifest.json': JSON.stringify(vpnManifest('intruder_addon')) }))]), 'intruder_addon.rcc');
    const refused = await other('packages', { method: 'POST', body: form });
    expect([refused.status, (await refused.json()).error.code]).toEqual([403, 'VPN_CHANNEL_FORBIDDEN']);
    expect(server.outpost.vpnRecords.get('intruder_addon')).toBeUndefined();
    expect((await (await other('vpn')).json()).addons).toEqual([]);
    expect((await other('vpn/message_demo')).status).toBe(404);
    expect((await other('vpn/message_demo', { method: 'DELETE' })).status).toBe(404);
  });

  it('publishes and withdraws while private without a byte reaching public/', async () => {
    const feed = (await createFeed('vpn production')).body.url as string;
    const res = await send(fixture('zlib'), 'message_demo.rcc');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await publicVpn(server)).toEqual([]);
    expect((await indexAt(`${feed}vpn/`)).addons).toContainEqual({ id: 'message_demo', sha256: sha256(fixture('zlib')) });
    expect((await rawGet(`${feed}vpn/message_demo.rcc`)).body.equals(fixture('zlib'))).toBe(true);
    expect((await api('vpn/second_addon', 'DELETE')).status).toBe(200);
    expect((await rawGet(`${feed}vpn/second_addon.rcc`)).status).toBe(404);
    expect((await indexAt(`${feed}vpn/`)).addons.map((a) => a.id)).toEqual(['message_demo']);
    expect(await publicVpn(server)).toEqual([]);
  });

  it('rotation kills the old URL at once, revocation the feed', async () => {
    const created = (await createFeed('vpn production')).body;
    expect((await rawGet(`${created.url}vpn/manifest.json`)).status).toBe(200);
    const rotated = await api(`feeds/${created.id}/rotate`, 'POST');
    expect(rotated.status).toBe(200);
    expect((await rawGet(`${created.url}vpn/manifest.json`)).status).toBe(404);
    expect((await rawGet(`${rotated.body.url}vpn/manifest.json`)).status).toBe(200);
    expect((await api(`feeds/${created.id}`, 'DELETE')).status).toBe(200);
    expect((await rawGet(`${rotated.body.url}vpn/manifest.json`)).status).toBe(404);
  });

  it('made public again: the index and files are back under the public prefix and verify; the private folder is empty', async () => {
    const cli = cliRunner();
    const out = await cli.run(...['visibility', '--vpn', 'production', 'public', '--server', server.url, '--token', server.token]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('production VPN channel is public');
    expect(await publicVpn(server)).toEqual(['manifest.json', 'manifest.json.sig', 'message_demo.rcc']);
    expect((await indexAt(`${server.url}/vpn/`)).addons).toEqual([{ id: 'message_demo', sha256: sha256(fixture('zlib')) }]);
    if (haveOpenssl) expect(await opensslVerifies(`${server.url}/vpn/`)).toBe(true);
    expect(await listNames(server.outpost.objects, 'private/vpn-feed-index/production/')).toEqual([]);
    expect((await rawGet(`${server.url}/catalog/vpn/message_demo`)).status).toBe(200);
    expect((await rawGet(`${server.url}/collections/vpnset.json`)).body.toString()).toContain('message_demo');
    const created = await cli.run(...['feed', 'create', '--vpn', 'production', '--label', 'testers', '--server', server.url, '--token', server.token]);
    expect(created.code, created.stderr).toBe(0);
    const url = created.stdout.trim().split('\n').at(-1)!;
    expect((await rawGet(`${url}vpn/message_demo.rcc`)).body.equals(fixture('zlib'))).toBe(true);
  });

  it('the key that made a feed may revoke it once another key\'s add-on joined the channel, but not rotate it', async () => {
    const made = (await createFeed('vpn production')).body;
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(rccOf({ 'manifest.json': JSON.stringify(vpnManifest('joiner_addon')) }))]), 'joiner_addon.rcc');
    const joined = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: auth(otherToken) });
    expect(joined.status, await joined.clone().text()).toBe(201);
    expect((await api('feeds')).body.feeds.map((f: { id: string }) => f.id)).toContain(made.id);
    expect(await api(`feeds/${made.id}/rotate`, 'POST')).toMatchObject({ status: 403, body: { error: { code: 'FEED_FORBIDDEN' } } });
    expect((await rawGet(`${made.url}vpn/manifest.json`)).status).toBe(200);
    // The other key sees nothing of it.
    expect((await api(`feeds/${made.id}`, 'DELETE', otherToken)).status).toBe(404);
    expect((await api(`feeds/${made.id}`, 'DELETE')).status).toBe(200);
    expect((await rawGet(`${made.url}vpn/manifest.json`)).status).toBe(404);
  });
});
