import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyDeployment } from '../../src/app/storage-copy.ts';
import { loadConfig } from '../../src/config.ts';
import { openDeployment } from '../../src/storage/objects/deployment.ts';
import { buildXpi, FIREFOX_ID, installRdf, webextManifest } from '../helpers/build-xpi.ts';
import { startNginx, type RunningNginx } from '../helpers/nginx.ts';
import { allowPublicReads, newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { requireTool } from '../helpers/system-tools.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

/**
 * nginx/outpost-s3.conf with a real nginx in front of a real Ceph RADOS Gateway: the public paths
 * come from the bucket (a deployment copied there by the storage port) with the same bytes and
 * headers Express serves; everything else, and every miss, reaches Outpost; nothing private can.
 */
const gateway = requireGateway();
const ready = Boolean(gateway) && requireTool('nginx');
const SM = '{92650c4d-4b8e-4d2a-b7eb-24ecf4f6b63a}';
const COMPARED = ['content-type', 'cache-control', 'content-length', 'x-content-type-options'];

describe.skipIf(!ready)('nginx/outpost-s3.conf with a real nginx and S3 gateway', () => {
  let server: TestServer;
  let nginx: RunningNginx;
  /** The same config with Outpost unreachable: whatever it answers came from the bucket. */
  let bucketOnly: RunningNginx;
  const paths: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    const targets = [{ id: FIREFOX_ID, minVersion: '45.0', maxVersion: '56.*' }, { id: SM, minVersion: '2.40', maxVersion: '2.53.*' }];
    const legacy = await publish(server, server.token, await buildXpi({ 'install.rdf': installRdf({ id: 'legacy-s3@example.org', version: '1.0', targets }) }));
    const webext = await publish(server, server.token, await buildXpi({ 'manifest.json': webextManifest({ id: '{0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}', version: '2.0' }) }));
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(fixture('zstd'))]), 'message_demo.rcc');
    expect((await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } })).status).toBe(201);
    for (const res of [legacy, webext]) {
      expect(res.status).toBe(201);
      for (const link of [res.body.links.download, res.body.links.updateRdf, res.body.links.updateJson]) if (link) paths.push(new URL(link).pathname);
    }
    paths.push(`/updates/legacy-s3@example.org/${FIREFOX_ID}/update.json`, `/updates/legacy-s3@example.org/${SM}/update.rdf`, '/vpn/manifest.json', '/vpn/manifest.json.sig', '/vpn/message_demo.rcc');

    const bucket = await newBucket(gateway!, 'nginx');
    await allowPublicReads(gateway!, bucket, 'site/');
    const config = loadConfig(gateway!.env, server.dir);
    const from = openDeployment({ kind: 'folder', dir: server.outpost.config.dataDir }, { keysDir: server.outpost.config.keysDir, s3: config.s3 });
    const to = openDeployment({ kind: 's3', bucket, prefix: 'site/' }, { s3: config.s3 });
    await copyDeployment(from, to);
    await to.close();
    nginx = await startNginx({ upstream: server.url, s3: { bucketEndpoint: gateway!.endpoint, bucketPath: `/${bucket}/site` } });
    bucketOnly = await startNginx({ upstream: 'http://127.0.0.1:9', s3: { bucketEndpoint: gateway!.endpoint, bucketPath: `/${bucket}/site` } });
  });
  afterAll(async () => {
    await bucketOnly?.stop();
    await nginx?.stop();
    await server?.close();
  });

  it('serves every public path from the bucket with the bytes and headers Express serves', async () => {
    expect(paths.length).toBe(10);
    for (const p of paths) {
      const direct = await rawGet(`${server.url}${p}`);
      const proxied = await rawGet(`${bucketOnly.url}${p}`);
      const pick = (h: Record<string, unknown>) => Object.fromEntries(COMPARED.map((n) => [n, h[n]]));
      expect({ p, status: proxied.status, headers: pick(proxied.headers) }).toEqual({ p, status: 200, headers: pick(direct.headers) });
      expect(proxied.body.equals(direct.body), p).toBe(true);
      expect(proxied.headers['x-amz-request-id'], p).toBeUndefined();
    }
    // Nothing of the client's reaches the bucket: a GET with a body is answered at once, a write method refused.
    const withBody = await fetch(`${bucketOnly.url}${paths[0]}`, { method: 'POST', body: 'hello' });
    expect(withBody.status).toBe(405);
    const getWithBody = await new Promise<number>((resolve, reject) => {
      const req = request(`${bucketOnly.url}${paths[0]}`, { method: 'GET', headers: { 'content-length': '5', 'x-amz-security-token': 'client-token' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('the bucket waited for a body nginx never sends')));
      req.end('hello');
    });
    expect(getWithBody).toBe(200);
  });

  it('passes misses, update queries and everything else to Outpost, and never reaches private/', async () => {
    for (const p of ['/files/legacy-s3@example.org/none-9.9.xpi', `/updates/legacy-s3@example.org?appID=${FIREFOX_ID}&appVersion=50.0`, '/api/v1/addons', '/healthz', `/updates/plus+id@example.org/update.rdf`]) {
      const direct = await rawGet(`${server.url}${p}`);
      const proxied = await rawGet(`${nginx.url}${p}`);
      expect({ p, status: proxied.status, type: proxied.headers['content-type'] }).toEqual({ p, status: direct.status, type: direct.headers['content-type'] });
      expect(proxied.body.equals(direct.body), p).toBe(true);
    }
    for (const p of ['/private/tokens.json', '/files/../private/tokens.json', '/files/%2e%2e/private/tokens.json', '/files/x/..%2F..%2Fprivate%2Ftokens.json', '/updates/.hidden/x', '/vpn/../private/tokens.json']) {
      const proxied = await rawGet(`${nginx.url}${p}`);
      expect(proxied.body.toString(), p).not.toContain('"tokens"');
      expect(proxied.status, p).not.toBe(200);
    }
  });
});
