import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';

/**
 * Private add-ons and feeds with two instances on one bucket: what one instance changes (the
 * add-on made private, a feed created, rotated, revoked) the other serves once it has polled the
 * change feed. Against a real Ceph RADOS Gateway.
 */
const gateway = requireGateway();
const ID = 'shared-private@example.org';
const enc = encodeURIComponent;

describe.skipIf(!gateway)('private feeds with two instances on one bucket', () => {
  let a: TestServer;
  let b: TestServer;
  const start = (bucket: string) =>
    startServer({ dir: mkdtempSync(path.join(tmpdir(), 'outpost-instance-')), env: { ...gateway!.env, OUTPOST_STORAGE: `s3://${bucket}/deploy`, OUTPOST_PUBLIC_URL: 'https://updates.example.org' } });
  const api = (server: TestServer, method: string, p: string) => fetch(`${server.url}/api/v1/${p}`, { method, headers: { authorization: `Bearer ${a.token}` } });
  const feedPath = (url: string) => new URL(url).pathname;

  beforeAll(async () => {
    const bucket = await newBucket(gateway!, 'feed-instances');
    a = await start(bucket);
    b = await start(bucket);
    const xpi = await buildXpi({ 'install.rdf': installRdf({ id: ID, version: '1.0', targets: [{ id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' }] }) });
    expect((await publish(a, a.token, xpi)).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('serves on one instance what the other made private and the feed it created there', async () => {
    expect((await api(a, 'POST', `addons/${enc(ID)}/visibility/private`)).status).toBe(200);
    const created = await (await api(a, 'POST', `feeds?scope=${enc(`addon ${ID}`)}`)).json();
    await b.outpost.sync!.poll();
    expect((await rawGet(`${b.url}/updates/${enc(ID)}/update.rdf`)).status).toBe(404);
    expect((await rawGet(`${b.url}/files/${enc(ID)}/${enc(`${ID}-1.0.xpi`)}`)).status).toBe(404);
    const doc = await rawGet(`${b.url}${feedPath(created.url)}updates/${enc(ID)}/update.json`);
    expect(doc.status).toBe(200);
    expect(doc.body.toString()).toContain(created.url);
    expect((await rawGet(`${b.url}${feedPath(created.url)}files/${enc(ID)}/${enc(`${ID}-1.0.xpi`)}`)).status).toBe(200);

    // Rotated on b: a serves the new URL and refuses the old one once it has polled.
    const rotated = await (await api(b, 'POST', `feeds/${created.id}/rotate`)).json();
    await a.outpost.sync!.poll();
    expect((await rawGet(`${a.url}${feedPath(created.url)}updates/${enc(ID)}/update.json`)).status).toBe(404);
    expect((await rawGet(`${a.url}${feedPath(rotated.url)}updates/${enc(ID)}/update.json`)).status).toBe(200);
    expect((await api(a, 'DELETE', `feeds/${created.id}`)).status).toBe(200);
    await b.outpost.sync!.poll();
    expect((await rawGet(`${b.url}${feedPath(rotated.url)}updates/${enc(ID)}/update.json`)).status).toBe(404);
  });
});
