import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyUpdateRdf } from '../../src/manifest/update-rdf-verify.ts';
import { EM_NS } from '../../src/rdf/graph.ts';
import { parseRdfXml } from '../../src/rdf/rdf-xml-parser.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { startNginx, type RunningNginx } from '../helpers/nginx.ts';
import { allowPublicReads, newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { requireTool } from '../helpers/system-tools.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

/**
 * The whole bucket deployment with a real nginx and a real Ceph RADOS Gateway: Outpost serving
 * from the bucket (OUTPOST_STORAGE), nginx/outpost-s3.conf in front. A publish sent through nginx
 * reaches Outpost, and what it publishes is served by nginx straight from the bucket at once.
 */
const gateway = requireGateway();
const ready = Boolean(gateway) && requireTool('nginx');
const ID = 'live-s3@example.org';

async function publishVia(url: string, token: string, body: Buffer, name: string): Promise<number> {
  const form = new FormData();
  form.set('package', new Blob([new Uint8Array(body)]), name);
  return (await fetch(`${url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } })).status;
}

describe.skipIf(!ready)('a bucket deployment behind nginx/outpost-s3.conf', () => {
  let server: TestServer;
  let nginx: RunningNginx;
  let bucketPath: string;

  beforeAll(async () => {
    const bucket = await newBucket(gateway!, 'live');
    bucketPath = `/${bucket}/site`;
    await allowPublicReads(gateway!, bucket, 'site/');
    server = await startServer({ env: { ...gateway!.env, OUTPOST_STORAGE: `s3://${bucket}/site` } });
    nginx = await startNginx({ upstream: server.url, s3: { bucketEndpoint: gateway!.endpoint, bucketPath: `/${bucket}/site` } });
  });
  afterAll(async () => {
    await nginx?.stop();
    await server?.close();
  });

  it('serves from the bucket what a publish through nginx just wrote', async () => {
    const targets = [{ id: FIREFOX_ID, minVersion: '45.0', maxVersion: '56.*' }];
    for (const version of ['1.0', '1.1']) {
      const xpi = await buildXpi({ 'install.rdf': installRdf({ id: ID, version, targets }) });
      expect(await publishVia(nginx.url, server.token, xpi, 'a.xpi')).toBe(201);
    }
    const manifest = await rawGet(`${nginx.url}/updates/${ID}/update.rdf`);
    expect(manifest.status).toBe(200);
    expect(manifest.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(manifest.headers['x-amz-request-id']).toBeUndefined();
    expect(verifyUpdateRdf(manifest.body, server.updateKey, { id: ID })[0]!.ok).toBe(true);
    const graph = parseRdfXml(manifest.body);
    const versions: string[] = [];
    for (const subject of graph.subjects()) {
      const version = graph.literal(subject, `${EM_NS}version`);
      if (version) versions.push(version);
      const link = graph.literal(subject, `${EM_NS}updateLink`);
      if (!link) continue;
      const xpi = await rawGet(`${nginx.url}${new URL(link).pathname}`);
      expect(xpi.status, link).toBe(200);
      expect(xpi.headers['content-type']).toBe('application/x-xpinstall');
      expect(`sha256:${createHash('sha256').update(xpi.body).digest('hex')}`).toBe(graph.literal(subject, `${EM_NS}updateHash`));
    }
    expect(versions.sort()).toEqual(['1.0', '1.1']);
  });

  it('stops serving a withdrawn package once its cache entry expires, though the object says immutable', async () => {
    // The shipped config with its 60 s bound shortened to 1 s, so the test waits seconds, not a minute.
    const short = await startNginx({ upstream: server.url, s3: { bucketEndpoint: gateway!.endpoint, bucketPath, cacheSeconds: 1 } });
    try {
      const id = 'withdrawn-s3@example.org';
      const targets = [{ id: FIREFOX_ID, minVersion: '45.0', maxVersion: '56.*' }];
      for (const version of ['1.0', '1.1']) {
        const xpi = await buildXpi({ 'install.rdf': installRdf({ id, version, targets }) });
        expect(await publishVia(short.url, server.token, xpi, 'a.xpi')).toBe(201);
      }
      const path = `/files/${id}/${id}-1.0.xpi`;
      const first = await rawGet(`${short.url}${path}`);
      expect(first.status).toBe(200);
      // Clients still get the object's own header: the bound is nginx's, not theirs.
      expect(first.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const withdrawn = await fetch(`${server.url}/api/v1/addons/${id}/versions/1.0`, { method: 'DELETE', headers: { authorization: `Bearer ${server.token}` } });
      expect(withdrawn.status).toBe(200);
      // Polled until the entry has expired and nginx asked the bucket again (which no longer has it).
      const deadline = Date.now() + 20_000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        status = (await rawGet(`${short.url}${path}`)).status;
      }
      expect(status).toBe(404);
      expect((await rawGet(`${short.url}/files/${id}/${id}-1.1.xpi`)).status).toBe(200);
    } finally {
      await short.stop();
    }
  });

  it('serves the VPN index (never cached by nginx) as soon as a publish changes it', async () => {
    expect(await publishVia(nginx.url, server.token, fixture('zstd'), 'message_demo.rcc')).toBe(201);
    const index = await rawGet(`${nginx.url}/vpn/manifest.json`);
    expect(index.status).toBe(200);
    const sha256 = createHash('sha256').update(fixture('zstd')).digest('hex');
    expect(JSON.parse(index.body.toString()).addons).toEqual([{ id: 'message_demo', sha256 }]);
    expect((await rawGet(`${nginx.url}/vpn/message_demo.rcc`)).body.equals(fixture('zstd'))).toBe(true);
  });

  it('keeps private/ out of reach, even with the whole deployment in the bucket', async () => {
    for (const p of ['/private/tokens.json', '/files/../private/tokens.json', '/files/%2e%2e/private/keys/default.json', '/vpn/../private/admins.json']) {
      const proxied = await rawGet(`${nginx.url}${p}`);
      expect(proxied.status, p).not.toBe(200);
      expect(proxied.body.toString(), p).not.toMatch(/"tokens"|"updateKey"|scrypt/);
    }
  });
});
