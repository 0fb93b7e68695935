import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectJpl } from '../../src/jami/jpl-inspect.ts';
import { verifyJpl } from '../../src/jami/jpl-verify.ts';
import { buildJpl, brokenJpls, signerFor } from '../helpers/jami-jpl.ts';
import { jamiPki, type JamiTestPki } from '../helpers/jami-pki.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { snapshotTree } from '../helpers/snapshot.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { cliRunner } from '../helpers/cli.ts';

const ID = 'TestPlugin';
const LINUX = 'x86_64-linux-gnu';
const ARM = 'arm64-v8a';

describe('Jami Extension Store', () => {
  let pki: JamiTestPki;
  let server: TestServer;
  const published: Record<string, Buffer> = {};
  const store = (p: string) => `${server.url}/jami${p}`;
  const publishJpl = (bytes: Buffer, name = 'plugin.jpl') => {
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(bytes)]), name);
    return fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } }).then(async (r) => ({ status: r.status, body: await r.json() }));
  };

  beforeAll(async () => {
    pki = await jamiPki();
    const anchor = path.join(pki.dir, 'anchor.pem');
    const crl = path.join(pki.dir, 'org.crl');
    writeFileSync(anchor, pki.root.pem);
    writeFileSync(crl, pki.orgCrl);
    server = await startServer({ env: { OUTPOST_JAMI_TRUST_ANCHORS: anchor, OUTPOST_JAMI_CRLS: crl } });
    const signer = signerFor(pki, pki.plugin, pki.org);
    const locales = { [`data/locale/${ID}_en.json`]: JSON.stringify({ description: 'Blurs your background' }), [`data/locale/${ID}_fr.json`]: JSON.stringify({ description: 'Floute votre arrière-plan' }) };
    const files = { 'data/icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>', 'data/background.jpg': Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), ...locales };
    published['1.0.0'] = await buildJpl({ id: ID, version: '1.0.0', abis: [LINUX, ARM], files, signWith: signer, description: '{{description}}' });
    published['1.0.1'] = await buildJpl({ id: ID, version: '1.0.1', abis: [LINUX], files, signWith: signer, description: '{{description}}' });
    for (const version of ['1.0.0', '1.0.1']) {
      const res = await publishJpl(published[version]!);
      expect(res, JSON.stringify(res.body)).toMatchObject({ status: 201, body: { id: ID, version, type: 'jami-plugin' } });
    }
  });
  afterAll(() => server?.close());

  it('walks every store route the way the Qt client does', async () => {
    const list = await (await fetch(store(`/?arch=${LINUX}`), { headers: { 'accept-language': 'fr-CA,fr;q=0.9' } })).json();
    expect(list).toEqual([expect.objectContaining({ id: ID, name: ID, version: '1.0.1', author: 'Example Org', description: 'Floute votre arrière-plan', iconPath: 'icon.svg', backgroundPath: 'background.jpg', timestamp: expect.any(String) })]);
    const details = await (await fetch(store(`/details/${ID}?arch=${ARM}`))).json();
    expect(details).toMatchObject({ id: ID, version: '1.0.0', description: 'Blurs your background' });
    const versions = await (await fetch(store(`/versions/${ID}?arch=${LINUX}`))).json();
    expect(versions.map((v: { version: string }) => v.version)).toEqual(['1.0.1', '1.0.0']);
    const download = await rawGet(store(`/download/${LINUX}/${ID}`));
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-disposition']).toBe(`attachment; filename="${ID}.jpl"`);
    expect(createHash('sha256').update(download.body).digest('hex')).toBe(createHash('sha256').update(published['1.0.1']!).digest('hex'));
    // What the client downloads verifies as the daemon would check it.
    const verification = await verifyJpl(await inspectJpl(download.body), { trustAnchors: [pki.root.pem], now: new Date(), crls: [pki.orgCrl] });
    expect(verification).toMatchObject({ id: ID, version: '1.0.1', author: 'Example Org' });
    const arm = await rawGet(store(`/download/${ARM}/${ID}`));
    expect(arm.body.equals(published['1.0.0']!)).toBe(true);
    const icon = await rawGet(store(`/icons/${ID}?arch=${LINUX}`));
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    // A publisher's SVG opened directly would otherwise run as a page of this origin.
    expect(icon.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
    expect(icon.headers['x-content-type-options']).toBe('nosniff');
    const background = await rawGet(store(`/backgrounds/${ID}?arch=${LINUX}`));
    expect(background.headers['content-type']).toBe('image/jpeg');
    expect(background.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
  });

  it('answers 404 (never []) for unknown plugins on /versions and /details, and [] for an ABI with nothing', async () => {
    expect((await fetch(store('/versions/Unknown?arch=x86_64-linux-gnu'))).status).toBe(404);
    expect((await fetch(store('/details/Unknown?arch=x86_64-linux-gnu'))).status).toBe(404);
    expect((await fetch(store(`/versions/${ID}?arch=x64-windows`))).status).toBe(404);
    expect(await (await fetch(store('/?arch=x64-windows'))).json()).toEqual([]);
    expect((await fetch(store(`/download/x64-windows/${ID}`))).status).toBe(404);
  });

  it('refuses every broken package with its own code and stores nothing', async () => {
    const before = snapshotTree(server.outpost.config.dataDir);
    const broken = await brokenJpls(pki);
    broken['revoked by CRL'] = { bytes: await buildJpl({ id: ID, version: '1.0.5', signWith: signerFor(pki, pki.revoked, pki.org) }), code: 'JPL_CERT_REVOKED' };
    broken['key change'] = { bytes: await buildJpl({ id: ID, version: '1.0.6', signWith: signerFor(pki, pki.otherKey, pki.org) }), code: 'JPL_KEY_CHANGED' };
    for (const [name, { bytes, code }] of Object.entries(broken)) {
      const res = await publishJpl(bytes);
      expect({ name, code: res.body.error?.code }).toEqual({ name, code });
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      expect(res.status, name).toBeLessThan(500);
    }
    await server.outpost.tokens.settled();
    expect(snapshotTree(server.outpost.config.dataDir)).toEqual(before);
  });

  it('accepts .jpl through `outpost publish` and the admin upload form too', async () => {
    const signer = signerFor(pki, pki.plugin, pki.org);
    const { cwd, run } = cliRunner({ OUTPOST_TOKEN: server.token });
    writeFileSync(path.join(cwd, 'Cli.jpl'), await buildJpl({ id: 'CliPlugin', version: '2.0.0', signWith: signer }));
    const cli = await run('publish', 'Cli.jpl', '--server', server.url);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('Published CliPlugin 2.0.0');

    const admin = new AdminClient(server.url);
    await admin.signIn('admin', server.firstRun.admin!.password);
    const csrf = await admin.csrf('/admin/upload');
    const form = new FormData();
    form.set('key', 'default');
    form.set('package', new Blob([new Uint8Array(await buildJpl({ id: 'FormPlugin', version: '1.0.0', abis: [ARM], signWith: signer }))]), 'FormPlugin.jpl');
    const res = await admin.request(`/admin/upload?_csrf=${encodeURIComponent(csrf)}`, { method: 'POST', body: form });
    const html = await res.text();
    expect(res.status).toBe(201);
    expect(html).toContain('Published: FormPlugin 1.0.0');
    expect(html).toContain(ARM);
    expect((await fetch(store(`/?arch=${ARM}`)).then((r) => r.json())).map((p: { id: string }) => p.id).sort()).toEqual(['FormPlugin', ID]);
  });

  it('keeps the listing working when a stored package disappears', async () => {
    const record = server.outpost.plugins.get(ID)!;
    rmSync(server.outpost.layout.jamiFilePath(ID, record.versions[1]!.file));
    expect((await fetch(store(`/?arch=${LINUX}`))).status).toBe(200);
    expect((await fetch(store(`/versions/${ID}?arch=${LINUX}`))).status).toBe(200);
    expect((await fetch(store(`/download/${LINUX}/${ID}`))).status).toBe(404);
  });
});
