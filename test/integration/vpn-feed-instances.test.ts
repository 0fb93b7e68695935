import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNames } from '../../src/storage/objects/object-bytes.ts';
import { vpnManifest } from '../helpers/qt-rcc.ts';
import { newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { rccOf } from '../unit/vpn/rcc-build.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

/**
 * A private VPN channel with two instances on one bucket: what one instance switched, the other
 * serves and writes accordingly — its catalog leaves the channel out once it has polled, and a
 * publish made there goes to the private folder (the setting is read again in the channel's lock).
 */
const gateway = requireGateway();
const LATE = rccOf({ 'manifest.json': JSON.stringify(vpnManifest('late_addon')) });

describe.skipIf(!gateway)('a private VPN channel with two instances on one bucket', () => {
  let a: TestServer;
  let b: TestServer;
  const start = (bucket: string) => startServer({ dir: mkdtempSync(path.join(tmpdir(), 'outpost-instance-')), env: { ...gateway!.env, OUTPOST_STORAGE: `s3://${bucket}/deploy` } });
  const send = async (server: TestServer, bytes: Buffer, fileName: string) => {
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(bytes)]), fileName);
    return (await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${a.token}` } })).status;
  };

  beforeAll(async () => {
    const bucket = await newBucket(gateway!, 'vpn-feed-instances');
    a = await start(bucket);
    b = await start(bucket);
    expect(await send(a, fixture('none'), 'message_demo.rcc')).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('serves and writes on one instance as the other switched the channel', async () => {
    await b.outpost.sync!.poll();
    expect((await rawGet(`${b.url}/catalog/vpn/message_demo`)).status).toBe(200);
    const res = await fetch(`${a.url}/api/v1/vpn/visibility/private`, { method: 'POST', headers: { authorization: `Bearer ${a.token}` } });
    expect(res.status).toBe(200);
    const feed = await a.outpost.feeds.create({ kind: 'vpn', id: 'production' }, '', { name: 'admin:test', keyName: '', admin: true });
    await b.outpost.sync!.poll();
    expect((await rawGet(`${b.url}/vpn/manifest.json`)).status).toBe(404);
    expect((await rawGet(`${b.url}/catalog/vpn/message_demo`)).status).toBe(404);
    expect((await rawGet(`${b.url}/feeds/${feed.token}/vpn/message_demo.rcc`)).body.equals(fixture('none'))).toBe(true);
    // Published through b: into the private folder, named by the index every feed serves.
    expect(await send(b, LATE, 'late_addon.rcc')).toBe(201);
    expect(await listNames(b.outpost.objects, 'public/vpn/')).toEqual([]);
    const index = JSON.parse((await rawGet(`${a.url}/feeds/${feed.token}/vpn/manifest.json`)).body.toString('utf8')) as { addons: { id: string }[] };
    expect(index.addons.map((x) => x.id).sort()).toEqual(['late_addon', 'message_demo']);
  });

  it('a running instance finishes a switch another one left half-done: nothing stays in public/', async () => {
    // As a crash leaves it: the setting says public again, the files are still in the private folder.
    const setting = Buffer.from(JSON.stringify({ id: 'production', private: false, updatedAt: new Date().toISOString(), revision: 99 }));
    await a.outpost.objects.put('private/vpn-channel-settings/production.json', setting, setting.length);
    await b.outpost.sync!.resync(Date.now());
    expect(await listNames(b.outpost.objects, 'private/vpn-feed-index/production/')).toEqual([]);
    expect((await rawGet(`${b.url}/vpn/late_addon.rcc`)).body.equals(LATE)).toBe(true);
    const index = JSON.parse((await rawGet(`${b.url}/vpn/manifest.json`)).body.toString('utf8')) as { addons: { id: string }[] };
    expect(index.addons.map((x) => x.id).sort()).toEqual(['late_addon', 'message_demo']);
  });
});
