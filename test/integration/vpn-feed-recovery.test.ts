/**
 * A VPN channel's visibility switch cut short by a crash, recreated step by step, then a restart:
 * once the setting is saved, start-up finishes the switch (every file in the folder the setting
 * names, the index signed there, the other folder emptied), so no byte of a private channel stays
 * in public/ and no add-on is lost.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { dataKeys } from '../../src/storage/data-keys.ts';
import { listNames, readObject } from '../../src/storage/objects/object-bytes.ts';
import { verifyIndex } from '../../src/vpn/vpn-index.ts';
import { vpnManifest } from '../helpers/qt-rcc.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { serverBackends } from '../helpers/server-backends.ts';
import { rccOf } from '../unit/vpn/rcc-build.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

const SECOND = rccOf({ 'manifest.json': JSON.stringify(vpnManifest('second_addon')) });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const PRIVATE = dataKeys.vpnFeedIndex('production');
const PUBLIC = dataKeys.vpnIndex('/vpn');

let servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe.each(serverBackends('vpn-feed-recovery'))('a VPN channel visibility switch interrupted by a crash, on a %s', (_backend, env) => {
  const start = async (options: { dir?: string; env: NodeJS.ProcessEnv }) => {
    const server = await startServer(options);
    servers.push(server);
    return server;
  };
  const restart = async (server: TestServer, environment: NodeJS.ProcessEnv) => {
    await server.close();
    servers = servers.filter((s) => s !== server);
    return { ...(await start({ dir: server.dir, env: environment })), token: server.token };
  };
  const send = async (server: TestServer, bytes: Buffer, fileName: string) => {
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(bytes)]), fileName);
    return (await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } })).status;
  };
  const published = async (environment: NodeJS.ProcessEnv) => {
    const server = await start({ env: environment });
    expect(await send(server, fixture('none'), 'message_demo.rcc')).toBe(201);
    expect(await send(server, SECOND, 'second_addon.rcc')).toBe(201);
    return server;
  };
  /** The setting as the switch saves it first (vpn-channel-store.ts), and nothing after it. */
  const saveSetting = async (server: TestServer, isPrivate: boolean, revision: number) => {
    const bytes = Buffer.from(JSON.stringify({ id: 'production', private: isPrivate, updatedAt: new Date().toISOString(), revision }));
    await server.outpost.objects.put(`${dataKeys.vpnChannelSettings}production.json`, bytes, bytes.length);
  };
  const verifiedIn = async (server: TestServer, folder: string) => {
    const read = async (name: string) => (await readObject(server.outpost.objects, `${folder}${name}`, 1 << 20))!;
    const key = createPublicKey((await (await fetch(`${server.url}/api/v1/vpn/key`, { headers: { authorization: `Bearer ${server.token}` } })).json()).pem);
    return verifyIndex(await read('manifest.json'), await read('manifest.json.sig'), key, { now: new Date() }).addons;
  };
  const both = [{ id: 'message_demo', sha256: sha256(fixture('none')) }, { id: 'second_addon', sha256: sha256(SECOND) }];

  it('made private with its setting saved, one .rcc moved, the index still public: finished at start', async () => {
    const environment = await env();
    let server = await published(environment);
    await saveSetting(server, true, 1);
    await server.outpost.objects.move(`${PUBLIC}message_demo.rcc`, `${PRIVATE}message_demo.rcc`);
    server = await restart(server, environment);
    expect(await listNames(server.outpost.objects, PUBLIC)).toEqual([]);
    expect((await listNames(server.outpost.objects, PRIVATE)).sort()).toEqual(['manifest.json', 'manifest.json.sig', 'message_demo.rcc', 'second_addon.rcc']);
    expect([...(await verifiedIn(server, PRIVATE))].sort((a, b) => a.id.localeCompare(b.id))).toEqual(both);
    for (const p of ['/vpn/manifest.json', '/vpn/message_demo.rcc', '/vpn/second_addon.rcc']) expect((await rawGet(`${server.url}${p}`)).status).toBe(404);
    const feed = await server.outpost.feeds.create({ kind: 'vpn', id: 'production' }, '', { name: 'admin:test', keyName: '', admin: true });
    expect((await rawGet(`${server.url}/feeds/${feed.token}/vpn/second_addon.rcc`)).body.equals(SECOND)).toBe(true);
  });

  it('a private channel whose setting is unreadable or gone stops the start instead of turning public', async () => {
    const environment = await env();
    const server = await published(environment);
    const auth = { authorization: `Bearer ${server.token}` };
    expect((await fetch(`${server.url}/api/v1/vpn/visibility/private`, { method: 'POST', headers: auth })).status).toBe(200);
    const objects = server.outpost.objects;
    await server.close();
    servers = servers.filter((s) => s !== server);
    const settingKey = `${dataKeys.vpnChannelSettings}production.json`;
    await objects.put(settingKey, Buffer.from('{"id":'), 6);
    await expect(startServer({ dir: server.dir, env: environment })).rejects.toThrow(/cannot be read/);
    await objects.remove(settingKey);
    await expect(startServer({ dir: server.dir, env: environment })).rejects.toThrow(/has a private index/);
    expect(await listNames(objects, PUBLIC)).toEqual([]);
    expect((await listNames(objects, PRIVATE)).sort()).toEqual(['manifest.json', 'manifest.json.sig', 'message_demo.rcc', 'second_addon.rcc']);
  });

  it('made public again with its setting saved, nothing moved yet: finished at start', async () => {
    const environment = await env();
    let server = await published(environment);
    const auth = { authorization: `Bearer ${server.token}` };
    expect((await fetch(`${server.url}/api/v1/vpn/visibility/private`, { method: 'POST', headers: auth })).status).toBe(200);
    await saveSetting(server, false, 2);
    server = await restart(server, environment);
    expect(await listNames(server.outpost.objects, PRIVATE)).toEqual([]);
    expect([...(await verifiedIn(server, PUBLIC))].sort((a, b) => a.id.localeCompare(b.id))).toEqual(both);
    expect((await rawGet(`${server.url}/vpn/message_demo.rcc`)).body.equals(fixture('none'))).toBe(true);
  });
});
