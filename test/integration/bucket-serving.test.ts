import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readObject } from '../../src/storage/objects/object-bytes.ts';
import { buildXpi, FIREFOX_ID, installRdf, webextManifest } from '../helpers/build-xpi.ts';
import { buildJpl, signerFor } from '../helpers/jami-jpl.ts';
import { jamiPki } from '../helpers/jami-pki.ts';
import { newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

/**
 * A bucket deployment serves what it publishes itself: the same packages published to a folder
 * server and to a bucket server (a real Ceph gateway), then every public URL of both compared —
 * the bucket's bytes, folder mode's headers — with validators, ranges, HEAD and hostile paths.
 */
const gateway = requireGateway();
const LEGACY = 'legacy@example.org';
const WEBEXT = 'webext@example.org';
const JAMI = 'TestPlugin';
const LINUX = 'x86_64-linux-gnu';
/** A catalog icon: a PNG signature is all the server checks. */
const ICON_PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 9)]);

interface Deployment {
  server: TestServer;
  /** Public paths (no origin) of everything published, and the object key each one is. */
  paths: Map<string, string>;
}

describe.skipIf(!gateway)('a bucket deployment serves its public files itself', () => {
  const deployments: Record<'folder' | 'bucket', Deployment> = {} as never;

  const upload = async (server: TestServer, bytes: Buffer, name: string) => {
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(bytes)]), name);
    const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } });
    const body = (await res.json()) as { links: Record<string, string> };
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body.links;
  };

  beforeAll(async () => {
    const pki = await jamiPki();
    const anchor = path.join(pki.dir, 'anchor.pem');
    writeFileSync(anchor, pki.root.pem);
    const env = { OUTPOST_JAMI_TRUST_ANCHORS: anchor };
    const packages = {
      legacy: await buildXpi({ 'install.rdf': installRdf({ id: LEGACY, version: '1.0', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) }),
      legacy2: await buildXpi({ 'install.rdf': installRdf({ id: LEGACY, version: '1.1', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) }),
      webext: await buildXpi({ 'manifest.json': webextManifest({ id: WEBEXT, version: '2.0', extra: { icons: { 48: 'icon.png' } } }), 'background.js': '// '.padEnd(4000, 'x'), 'icon.png': ICON_PNG }),
      jami: await buildJpl({ id: JAMI, version: '1.0.0', abis: [LINUX], files: { 'data/icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>' }, signWith: signerFor(pki, pki.plugin, pki.org) }),
    };
    const bucket = await newBucket(gateway!, 'serve');
    for (const [name, extra] of [
      ['folder', {}],
      ['bucket', { ...gateway!.env, OUTPOST_STORAGE: `s3://${bucket}` }],
    ] as const) {
      const server = await startServer({ env: { ...env, ...extra } });
      const links = [
        await upload(server, packages.legacy, 'legacy.xpi'),
        await upload(server, packages.legacy2, 'legacy.xpi'),
        await upload(server, packages.webext, 'webext.xpi'),
        await upload(server, fixture('none'), 'message_demo.rcc'),
      ];
      await upload(server, packages.jami, 'plugin.jpl');
      const paths = new Map<string, string>();
      for (const link of links.flatMap((l) => Object.values(l))) {
        const pathname = new URL(link).pathname;
        paths.set(pathname, `public${decodeURIComponent(pathname)}`);
      }
      const icon = server.outpost.catalog.get(WEBEXT)!.versions[0]!.icon!;
      paths.set(`/catalog/icons/${encodeURIComponent(WEBEXT)}/${encodeURIComponent(icon.file)}`, `public/icons/${WEBEXT}/${icon.file}`);
      paths.set(`/jami/download/${LINUX}/${JAMI}`, `public/jami/${JAMI}/${server.outpost.plugins.get(JAMI)!.versions[0]!.file}`);
      deployments[name] = { server, paths };
    }
  }, 120_000);
  afterAll(async () => {
    await deployments.folder?.server.close();
    await deployments.bucket?.server.close();
  });

  it('answers every public URL with the bytes in the bucket and the headers folder mode sends', async () => {
    const { server, paths } = deployments.bucket;
    // Nothing public on the bucket server's local disk: whatever it serves came from the bucket.
    expect(server.outpost.config.bucket?.bucket).toMatch(/^outpost-serve-/);
    expect(existsSync(path.join(server.outpost.layout.publicDir, 'files', LEGACY))).toBe(false);
    const kinds = [...paths.keys()].map((p) => p.split('/').pop());
    expect(kinds).toEqual(expect.arrayContaining(['update.rdf', 'update.json', 'manifest.json', 'manifest.json.sig', 'message_demo.rcc', `${JAMI}`]));
    expect([...paths.keys()].filter((p) => p.startsWith('/files/'))).toHaveLength(3);
    expect([...paths.keys()].sort()).toEqual([...deployments.folder.paths.keys()].sort());
    for (const [pathname, key] of paths) {
      const [fromBucket, fromFolder] = [await rawGet(`${server.url}${pathname}`), await rawGet(`${deployments.folder.server.url}${pathname}`)];
      expect([pathname, fromBucket.status, fromFolder.status]).toEqual([pathname, 200, 200]);
      expect(fromBucket.body.equals((await readObject(server.outpost.objects, key))!), pathname).toBe(true);
      for (const header of ['content-type', 'cache-control', 'x-content-type-options', 'accept-ranges', 'content-disposition']) {
        expect([pathname, header, fromBucket.headers[header]]).toEqual([pathname, header, fromFolder.headers[header]]);
      }
      expect(Number(fromBucket.headers['content-length'])).toBe(fromBucket.body.length);
      expect(fromBucket.headers.etag).toBeTruthy();
      expect(Date.parse(String(fromBucket.headers['last-modified']))).not.toBeNaN();
    }
  });

  it('still answers update queries on /updates/<id> (the documents route leaves them alone)', async () => {
    const query = `/updates/${encodeURIComponent(LEGACY)}?reqVersion=2&id=${encodeURIComponent(LEGACY)}&version=1.0&appID=${encodeURIComponent(FIREFOX_ID)}&appVersion=52.0&compatMode=normal`;
    const [fromBucket, fromFolder] = [await rawGet(`${deployments.bucket.server.url}${query}`), await rawGet(`${deployments.folder.server.url}${query}`)];
    expect([fromBucket.status, fromBucket.headers['content-type']]).toEqual([fromFolder.status, fromFolder.headers['content-type']]);
    expect(fromBucket.status).toBe(200);
  });

  it('answers 304 to a matching If-None-Match, HEAD without a body, and a byte range of a package', async () => {
    const { server, paths } = deployments.bucket;
    for (const pathname of paths.keys()) {
      const first = await rawGet(`${server.url}${pathname}`);
      const again = await rawGet(`${server.url}${pathname}`, { 'if-none-match': String(first.headers.etag) });
      expect([pathname, again.status, again.body.length]).toEqual([pathname, 304, 0]);
      expect(again.headers['cache-control']).toBe(first.headers['cache-control']);
    }
    const file = [...paths.keys()].find((p) => p.startsWith('/files/'))!;
    const whole = (await rawGet(`${server.url}${file}`)).body;
    const head = await fetch(`${server.url}${file}`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), (await head.arrayBuffer()).byteLength]).toEqual([200, String(whole.length), 0]);
    const part = await rawGet(`${server.url}${file}`, { range: 'bytes=10-29' });
    expect([part.status, part.headers['content-range'], part.headers['content-length']]).toEqual([206, `bytes 10-29/${whole.length}`, '20']);
    expect(part.body.equals(whole.subarray(10, 30))).toBe(true);
    const tail = await rawGet(`${server.url}${file}`, { range: 'bytes=-5' });
    expect([tail.status, tail.body.equals(whole.subarray(-5))]).toEqual([206, true]);
    const outside = await rawGet(`${server.url}${file}`, { range: `bytes=${whole.length + 10}-` });
    expect([outside.status, outside.headers['content-range']]).toEqual([416, `bytes */${whole.length}`]);
  });

  it('answers 404, never an error, for paths that are no public key', async () => {
    const { server } = deployments.bucket;
    const hostile = [
      '/files/../private/tokens.json',
      '/files/%2e%2e/private/tokens.json',
      '/files/%2e%2e%2fprivate%2ftokens.json',
      `/updates/${LEGACY}/../../private/addons/${LEGACY}.json`,
      '/updates/x/%2e%2e/%2e%2e/private/admins.json',
      '/files/.hidden/x.xpi',
      '/files/a%00b/x.xpi',
      '/files/%E0%A4%A/x.xpi',
      '/files/',
      '/files/nothing/none.xpi',
      '/vpn/../private/vpn-index.json',
      `/updates/${'a/'.repeat(40)}update.rdf`,
      '/jami/download/x86_64-linux-gnu/..%2f..%2fprivate',
    ];
    for (const pathname of hostile) {
      const res = await rawGet(`${server.url}${pathname}`);
      expect([pathname, res.status]).toEqual([pathname, 404]);
      expect(JSON.parse(res.body.toString()).error.code).toBe('NOT_FOUND');
    }
  });

  it('stops listing and serving a withdrawn version: its package moves to private/withdrawn/', async () => {
    const { server, paths } = deployments.bucket;
    const file = [...paths.keys()].find((p) => p.startsWith(`/files/${encodeURIComponent(LEGACY)}/`) && p.includes('1.0'))!;
    const rdf = `/updates/${encodeURIComponent(LEGACY)}/update.rdf`;
    expect((await rawGet(`${server.url}${rdf}`)).body.toString()).toContain('1.0');
    const res = await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(LEGACY)}/versions/1.0`, { method: 'DELETE', headers: { authorization: `Bearer ${server.token}` } });
    expect(res.status).toBe(200);
    expect((await rawGet(`${server.url}${file}`)).status).toBe(404);
    const document = (await rawGet(`${server.url}${rdf}`)).body.toString();
    expect(document).toContain('<em:version>1.1</em:version>');
    expect(document).not.toContain('<em:version>1.0</em:version>');
    const name = decodeURIComponent(file.split('/').pop()!);
    expect(await server.outpost.objects.head(`private/withdrawn/${LEGACY}/${name}`)).toMatchObject({ size: expect.any(Number) });
  });
});
