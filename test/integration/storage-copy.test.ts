import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildXpi, installRdf, webextManifest } from '../helpers/build-xpi.ts';
import { cliRunner } from '../helpers/cli.ts';
import { allowPublicReads, newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { snapshotTree } from '../helpers/snapshot.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

/**
 * `outpost storage copy`: a deployment made by a real server (XPIs of both kinds, a VPN add-on),
 * copied folder → folder and folder → bucket → folder, every byte the same, and served the same
 * by a server started on the copy. The bucket is a real Ceph RADOS Gateway (test/helpers/s3-gateway.ts).
 */
const gateway = requireGateway();
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('outpost storage copy', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'outpost-copy-'));
  const origin = path.join(scratch, 'origin');
  const data = path.join(origin, 'storage');
  const keys = path.join(origin, 'keys');
  const { run } = cliRunner({ OUTPOST_KEYS: keys, ...gateway?.env });
  const served: Record<string, Buffer> = {};
  const paths = ['/updates/legacy@example.org/update.rdf', '/updates/webext@example.org/update.json', '/vpn/manifest.json', '/vpn/message_demo.rcc'];
  let xpiFile = '';
  let publicUrl = '';

  beforeAll(async () => {
    const server = await startServer({ dir: origin });
    publicUrl = server.url;
    const legacy = await buildXpi({ 'install.rdf': installRdf({ id: 'legacy@example.org', version: '1.0' }) });
    const webext = await buildXpi({ 'manifest.json': webextManifest({ id: 'webext@example.org', version: '2.0' }) });
    for (const xpi of [legacy, webext]) expect((await publish(server, server.token, xpi)).status).toBe(201);
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(fixture('zstd'))]), 'message_demo.rcc');
    expect((await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } })).status).toBe(201);
    for (const p of paths) served[p] = (await rawGet(`${server.url}${p}`)).body;
    const link: string = JSON.parse(served['/updates/webext@example.org/update.json']!.toString()).addons['webext@example.org'].updates[0].update_link;
    xpiFile = decodeURIComponent(new URL(link).pathname);
    served[xpiFile] = (await rawGet(`${server.url}${xpiFile}`)).body;
    await server.close();
    // As `npm start` leaves it on a first run without OUTPOST_KEY_PASSPHRASE.
    writeFileSync(path.join(keys, 'passphrase'), 'generated\n', { mode: 0o600 });
  });
  afterAll(() => undefined);

  /**
   * Starts a server on a copied deployment and answers what it serves on the paths above. With the
   * original's public URL, nothing needs re-rendering: the documents are the copied bytes.
   */
  async function servedBy(dir: string): Promise<Record<string, Buffer>> {
    const server: TestServer = await startServer({ dir, env: { OUTPOST_PUBLIC_URL: publicUrl } });
    try {
      return Object.fromEntries(await Promise.all(Object.keys(served).map(async (p) => [p, (await rawGet(`${server.url}${p}`)).body] as const)));
    } finally {
      await server.close();
    }
  }

  /** Files only: an object store has no empty folders, and a server makes its own at start. */
  const files = (root: string) => Object.fromEntries(Object.entries(snapshotTree(root)).filter(([, v]) => v !== 'dir'));
  const withoutPassphrase = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([k]) => k !== 'passphrase'));

  it('copies folder to folder: every object, the keys beside it, never a passphrase', async () => {
    const copy = path.join(scratch, 'copy1');
    // An operator's passphrase file kept in the keys folder under a name of their own.
    writeFileSync(path.join(keys, 'pass.txt'), 'operator secret\n', { mode: 0o600 });
    const out = await run('storage', 'copy', data, path.join(copy, 'storage'), '--to-keys', path.join(copy, 'keys'));
    rmSync(path.join(keys, 'pass.txt'));
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^Copied \d+ objects \(\d+ bytes\) from .* every one read back and verified\.\n$/);
    expect(out.stderr).toContain('not copied: private/keys/passphrase');
    expect(out.stderr).toContain('not copied: private/keys/pass.txt');
    expect(files(path.join(copy, 'storage'))).toEqual(files(data));
    expect(files(path.join(copy, 'keys'))).toEqual(withoutPassphrase(files(keys)));
    // A server on the copy (the test server sets OUTPOST_KEY_PASSPHRASE) serves the same bytes.
    const again = await servedBy(copy);
    for (const [p, bytes] of Object.entries(served)) expect(sha256(again[p]!), p).toBe(sha256(bytes));
  });

  it('refuses a target that holds anything, a bad location, and a folder a server holds, changing nothing', async () => {
    const target = path.join(scratch, 'busy');
    mkdirSync(path.join(target, 'public'), { recursive: true });
    writeFileSync(path.join(target, 'public', 'index.html'), 'someone else');
    const before = snapshotTree(target);
    const busy = await run('storage', 'copy', data, target, '--to-keys', path.join(scratch, 'busy-keys'));
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('[STORAGE_TARGET_NOT_EMPTY]');
    expect(snapshotTree(target)).toEqual(before);

    // Into the deployment itself (private files would land in the served tree), or without keys.
    const dataBefore = snapshotTree(data);
    const overlapping = await run('storage', 'copy', data, path.join(data, 'public', 'files', 'bak'), '--to-keys', path.join(scratch, 'k2'));
    expect(overlapping.stderr).toContain('[STORAGE_LOCATION_INVALID]');
    const keyless = await run('storage', 'copy', data, path.join(scratch, 'never'), '--from-keys', path.join(scratch, 'no-such-keys'), '--to-keys', path.join(scratch, 'k3'));
    expect(keyless.stderr).toMatch(/keys folder .* does not exist.*\[STORAGE_LOCATION_INVALID\]/);
    expect(snapshotTree(data)).toEqual(dataBefore);
    for (const bad of ['s3://Bad_Bucket', 's3://ab', 's3://bucket/../x', 'https://example.org/x', 's3://192.168.1.1']) {
      const out = await run('storage', 'copy', data, bad);
      expect({ bad, code: out.code, error: out.stderr.match(/\[([A-Z_]+)\]/)?.[1] }).toEqual({ bad, code: 1, error: 'STORAGE_LOCATION_INVALID' });
    }

    const server = await startServer({ dir: origin });
    try {
      const locked = await run('storage', 'copy', data, path.join(scratch, 'never'), '--to-keys', path.join(scratch, 'never-keys'));
      expect(locked.stderr).toContain('[DATA_FOLDER_IN_USE]');
    } finally {
      await server.close();
    }
  });

  describe.skipIf(!gateway)('with a real S3 gateway', () => {
    let bucket = '';
    const prefix = 'deploy/one/';
    const location = () => `s3://${bucket}/${prefix.slice(0, -1)}`;

    beforeAll(async () => {
      bucket = await newBucket(gateway!, 'copy');
      await allowPublicReads(gateway!, bucket, prefix);
    });

    it('copies folder → bucket with the served headers on public objects; anonymous reads reach public/ only', async () => {
      const out = await run('storage', 'copy', data, location());
      expect(out.code, out.stderr).toBe(0);
      const head = await gateway!.client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}public${xpiFile}` }));
      expect({ type: head.ContentType, cache: head.CacheControl }).toEqual({ type: 'application/x-xpinstall', cache: 'public, max-age=31536000, immutable' });
      const manifest = await gateway!.client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}public/vpn/manifest.json` }));
      expect({ type: manifest.ContentType, cache: manifest.CacheControl }).toEqual({ type: 'application/json', cache: 'public, max-age=60' });
      const keyObject = await gateway!.client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}private/keys/default.key.pem` }));
      expect(await keyObject.Body!.transformToString()).toContain('ENCRYPTED PRIVATE KEY');

      const anonymous = (key: string) => fetch(`${gateway!.endpoint}/${bucket}/${prefix}${key}`).then((r) => r.status);
      expect(await anonymous(`public${paths[0]}`)).toBe(200);
      expect(await anonymous('private/tokens.json')).toBe(403);
      expect(await anonymous('private/keys/default.key.pem')).toBe(403);

      const again = await run('storage', 'copy', data, location());
      expect(again.stderr).toContain('[STORAGE_TARGET_NOT_EMPTY]');
    });

    it('copies bucket → folder: the same tree, and a server on it serves the same bytes', async () => {
      const restored = path.join(scratch, 'restored');
      const out = await run('storage', 'copy', location(), path.join(restored, 'storage'), '--to-keys', path.join(restored, 'keys'));
      expect(out.code, out.stderr).toBe(0);
      expect(files(path.join(restored, 'storage'))).toEqual(files(data));
      expect(files(path.join(restored, 'keys'))).toEqual(withoutPassphrase(files(keys)));
      const again = await servedBy(restored);
      for (const [p, bytes] of Object.entries(served)) expect(sha256(again[p]!), p).toBe(sha256(bytes));
    });

    it('answers an unreachable or refusing gateway with STORAGE_UNAVAILABLE and no secret', async () => {
      const wrong = cliRunner({ OUTPOST_KEYS: keys, ...gateway!.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret-123' });
      const denied = await wrong.run('storage', 'copy', data, `s3://${bucket}/elsewhere`);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain('[STORAGE_UNAVAILABLE]');
      expect(denied.stderr).not.toContain('not-the-secret-123');
      const closed = cliRunner({ OUTPOST_KEYS: keys, ...gateway!.env, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' });
      expect((await closed.run('storage', 'copy', data, `s3://${bucket}/elsewhere`)).stderr).toContain('[STORAGE_UNAVAILABLE]');
    });
  });
});
