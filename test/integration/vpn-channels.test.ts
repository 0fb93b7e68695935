import crypto from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIndex } from '../../src/vpn/vpn-index.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { buildXpi, webextManifest } from '../helpers/build-xpi.ts';
import { cliRunner } from '../helpers/cli.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { vpnManifest } from '../helpers/qt-rcc.ts';
import { rccOf } from '../unit/vpn/rcc-build.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

/**
 * VPN channels (OUTPOST_VPN_CHANNELS): each index has its own URL, folder, key and serial, and a
 * change to one never touches another. A client trusting one index cannot be handed the other's.
 */
const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');
const CHANNELS = { OUTPOST_VPN_CHANNELS: 'staging:/vpn-staging:vpn-staging' };

describe('VPN channels', () => {
  let server: TestServer;
  const send = async (bytes: Buffer, fileName: string, fields: Record<string, string> = {}) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('package', new Blob([new Uint8Array(bytes)]), fileName);
    const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const api = async (p: string, method = 'GET') => {
    const res = await fetch(`${server.url}/api/v1${p}`, { method, headers: { authorization: `Bearer ${server.token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const keyOf = async (channel: string) => crypto.createPublicKey((await api(`/vpn/key?channel=${channel}`)).body.pem);
  const indexAt = async (prefix: string) => {
    const [index, signature] = [await rawGet(`${server.url}${prefix}/manifest.json`), await rawGet(`${server.url}${prefix}/manifest.json.sig`)];
    return { status: index.status, index: index.body, signature: signature.body };
  };

  beforeAll(async () => {
    server = await startServer({ env: CHANNELS });
  });
  afterAll(() => server?.close());

  it('publishes into the channel named, signed with that channel\'s key only', async () => {
    const res = await send(fixture('none'), 'message_demo.rcc', { channel: 'staging' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.links).toMatchObject({ download: `${server.url}/vpn-staging/message_demo.rcc`, index: `${server.url}/vpn-staging/manifest.json` });
    const staging = await indexAt('/vpn-staging');
    expect(staging.status).toBe(200);
    const parsed = verifyIndex(staging.index, staging.signature, await keyOf('staging'), { now: new Date(), minSerial: 1 });
    expect(parsed.addons).toEqual([{ id: 'message_demo', sha256: sha256(fixture('none')) }]);
    // The production index does not exist yet, and the staging index does not verify with its key.
    expect((await indexAt('/vpn')).status).toBe(404);
    const productionKey = await keyOf('production');
    expect(() => verifyIndex(staging.index, staging.signature, productionKey, { now: new Date() })).toThrow(expect.objectContaining({ code: 'VPN_INDEX_SIGNATURE_INVALID' }));
    expect((await api('/vpn/key?channel=staging')).body.keyName).toBe('vpn-staging');
  });

  it('keeps the channels apart: a production publish leaves staging as it was', async () => {
    const before = await indexAt('/vpn-staging');
    const res = await send(fixture('zlib'), 'message_demo.rcc');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const production = await indexAt('/vpn');
    expect(verifyIndex(production.index, production.signature, await keyOf('production'), { now: new Date() }).addons).toEqual([{ id: 'message_demo', sha256: sha256(fixture('zlib')) }]);
    const after = await indexAt('/vpn-staging');
    expect(after.index.equals(before.index) && after.signature.equals(before.signature)).toBe(true);
    expect((await api('/vpn?channel=staging')).body).toMatchObject({ channel: 'staging', channels: ['production', 'staging'], addons: [{ id: 'message_demo', channel: 'staging', sha256: sha256(fixture('none')) }] });
    expect((await api('/vpn')).body.addons.map((a: { sha256: string }) => a.sha256)).toEqual([sha256(fixture('zlib'))]);
  });

  it('withdraws from one channel only', async () => {
    const res = await api('/vpn/message_demo?channel=staging', 'DELETE');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ channel: 'staging', withdrawnAt: expect.any(String) });
    const staging = await indexAt('/vpn-staging');
    expect(verifyIndex(staging.index, staging.signature, await keyOf('staging'), { now: new Date() }).addons).toEqual([]);
    expect((await rawGet(`${server.url}/vpn-staging/message_demo.rcc`)).status).toBe(404);
    expect((await rawGet(`${server.url}/vpn/message_demo.rcc`)).status).toBe(200);
  });

  it('refuses a channel the server does not have, and a channel for anything but a VPN add-on', async () => {
    expect(await send(fixture('none'), 'message_demo.rcc', { channel: 'nightly' })).toMatchObject({ status: 400, body: { error: { code: 'VPN_CHANNEL_UNKNOWN' } } });
    expect(await api('/vpn?channel=nightly')).toMatchObject({ status: 400, body: { error: { code: 'VPN_CHANNEL_UNKNOWN' } } });
    expect(await api('/vpn/key?channel=staging&channel=production')).toMatchObject({ status: 400, body: { error: { code: 'VPN_CHANNEL_UNKNOWN' } } });
    const xpi = await buildXpi({ 'manifest.json': webextManifest({ id: 'chan@example.org', version: '1.0' }) });
    expect(await send(xpi, 'a.xpi', { channel: 'staging' })).toMatchObject({ status: 400, body: { error: { code: 'VPN_CHANNEL_UNKNOWN' } } });
  });

  it('keeps one owner for an id across channels', async () => {
    await server.outpost.keys.create('other-channel-key');
    const other = (await server.outpost.tokens.create('other-channel-key', 'second publisher')).token;
    // Published in production only, by the default key; the other key tries to claim it in staging.
    const addon = rccOf({ 'manifest.json': JSON.stringify(vpnManifest('owned_once')) });
    expect((await send(addon, 'owned_once.rcc')).status).toBe(201);
    const form = new FormData();
    form.set('channel', 'staging');
    form.set('package', new Blob([new Uint8Array(addon)]), 'owned_once.rcc');
    const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${other}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe('ADDON_OWNED_BY_OTHER_KEY');
    expect((await api('/vpn/owned_once?channel=staging')).status).toBe(404);
    // Two keys publishing a new id in two channels at the same moment: one of them owns it.
    const raced = rccOf({ 'manifest.json': JSON.stringify(vpnManifest('raced_id')) });
    const post = (channel: string, as: string) => {
      const f = new FormData();
      f.set('channel', channel);
      f.set('package', new Blob([new Uint8Array(raced)]), 'raced_id.rcc');
      return fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: f, headers: { authorization: `Bearer ${as}` } }).then((r) => r.status);
    };
    expect((await Promise.all([post('production', server.token), post('staging', other)])).sort()).toEqual([201, 403]);
    // The owner's own token may put it in staging, where it keeps the same owner.
    expect((await send(addon, 'owned_once.rcc', { channel: 'staging' })).status).toBe(201);
    expect((await api('/vpn/owned_once?channel=staging')).body.publisherKey).toBe('default');
  });

  it('shows every index in the admin, and an add-on page per channel', async () => {
    const admin = new AdminClient(server.url);
    expect((await admin.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
    const list = await (await admin.request('/admin/vpn')).text();
    expect(list).toContain('Signed index: production');
    expect(list).toContain('Signed index: staging');
    expect(list).toContain(`data-copy="${server.url}/vpn-staging/"`);
    expect(list).toContain('/admin/vpn/message_demo?channel=staging');
    const page = await (await admin.request('/admin/vpn/message_demo?channel=staging')).text();
    expect(page).toContain('withdrawn');
    expect((await admin.request('/admin/vpn/message_demo?channel=nightly')).status).toBe(404);
    const upload = await (await admin.request('/admin/upload')).text();
    expect(upload).toContain('<option value="staging">');
  });

  it('publishes and withdraws with the CLI\'s --channel', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
    writeFileSync(path.join(cwd, 'message_demo.rcc'), fixture('v2'));
    const published = await run('publish', 'message_demo.rcc', '--channel', 'staging');
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain('/vpn-staging/');
    expect((await api('/vpn?channel=staging')).body.addons[0]).toMatchObject({ sha256: sha256(fixture('v2')), withdrawnAt: null });
    expect((await run('withdraw', 'message_demo', '--channel', 'staging')).code).toBe(0);
    expect((await api('/vpn?channel=staging')).body.addons[0].withdrawnAt).toEqual(expect.any(String));
    expect((await api('/vpn')).body.addons[0].withdrawnAt).toBeNull();
    expect((await run('withdraw', 'message_demo', '1.0', '--channel', 'staging')).stderr).toContain('--channel is for a Mozilla VPN add-on');
  });

  it('keeps both indexes as they are across a restart', async () => {
    const [production, staging] = [await indexAt('/vpn'), await indexAt('/vpn-staging')];
    const dir = server.dir;
    await server.close();
    server = await startServer({ dir, env: CHANNELS });
    expect((await indexAt('/vpn')).index.equals(production.index)).toBe(true);
    expect((await indexAt('/vpn-staging')).index.equals(staging.index)).toBe(true);
  });
});
