import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyIndex } from '../../src/vpn/vpn-index.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { buildVpnAddon, requireRcc, vpnManifest } from '../helpers/qt-rcc.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { snapshotTree } from '../helpers/snapshot.ts';
import { requireTool } from '../helpers/system-tools.ts';
import { rccOf, rccWithZstdEntry, spinningZstdFrame } from '../unit/vpn/rcc-build.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

/**
 * Mozilla VPN add-ons end to end: published through the one upload door, served as the index a
 * VPN client fetches (manifest.json, manifest.json.sig, <id>.rcc), checked with the real openssl
 * the way the spec says anyone can. Under CI=true a missing openssl or Qt rcc fails the file.
 */
const haveOpenssl = requireTool('openssl');
const haveRcc = requireRcc();
const sha256 = (bytes: Buffer): string => crypto.createHash('sha256').update(bytes).digest('hex');

describe('Mozilla VPN add-ons', () => {
  let server: TestServer;
  let token: string;
  let otherToken: string;
  let scratch: string;
  const demo = fixture('none');

  const send = async (bytes: Buffer, fileName: string, as = token) => {
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(bytes)]), fileName);
    const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${as}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const api = async (p: string, method = 'GET', as = token) => {
    const res = await fetch(`${server.url}/api/v1${p}`, { method, headers: { authorization: `Bearer ${as}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const served = (name: string) => rawGet(`${server.url}/vpn/${name}`);
  const index = async () => JSON.parse((await served('manifest.json')).body.toString('utf8'));
  const dataDir = () => server.outpost.config.dataDir;
  const publicKey = async () => crypto.createPublicKey((await api('/vpn/key')).body.pem);

  /** `openssl dgst -sha256 -verify` over what the server serves right now, as a client would get it. */
  const opensslVerifies = async (): Promise<boolean> => {
    writeFileSync(path.join(scratch, 'pub.pem'), (await api('/vpn/key')).body.pem);
    writeFileSync(path.join(scratch, 'manifest.json'), (await served('manifest.json')).body);
    writeFileSync(path.join(scratch, 'manifest.json.sig'), (await served('manifest.json.sig')).body);
    const file = (n: string) => path.join(scratch, n);
    try {
      return execFileSync('openssl', ['dgst', '-sha256', '-verify', file('pub.pem'), '-signature', file('manifest.json.sig'), file('manifest.json')], { encoding: 'utf8' }).trim() === 'Verified OK';
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'outpost-vpn-'));
    server = await startServer();
    token = server.token;
    await server.outpost.keys.create('other');
    otherToken = (await server.outpost.tokens.create('other', 'second publisher')).token;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('publishes an .rcc and serves a signed index that openssl verifies with the key from the API', async () => {
    const res = await send(demo, 'message_demo.rcc');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const base = `${server.url}/vpn`;
    expect(res.body).toMatchObject({
      id: 'message_demo', version: '', type: 'vpn-addon', sha256: sha256(demo), size: demo.length, serial: 1,
      links: { download: `${base}/message_demo.rcc`, index: `${base}/manifest.json`, signature: `${base}/manifest.json.sig` },
    });

    const manifest = await served('manifest.json');
    expect(manifest.headers['content-type']).toBe('application/json');
    expect(manifest.headers['cache-control']).toBe('public, max-age=60');
    const parsed = JSON.parse(manifest.body.toString('utf8'));
    expect(parsed).toMatchObject({ api_version: '0.1', addons: [{ id: 'message_demo', sha256: sha256(demo) }], serial: 1 });
    const days = (Date.parse(parsed.expires) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect((await served('manifest.json.sig')).headers['content-type']).toBe('application/octet-stream');

    const rcc = await served('message_demo.rcc');
    expect(rcc.headers['content-type']).toBe('application/octet-stream');
    expect(sha256(rcc.body)).toBe(parsed.addons[0].sha256);

    const key = await api('/vpn/key');
    expect(key.body).toMatchObject({ keyName: 'vpn', bits: 4096 });
    expect(crypto.createPublicKey({ key: Buffer.from(key.body.der, 'base64'), format: 'der', type: 'spki' }).equals(await publicKey())).toBe(true);
    expect(verifyIndex(manifest.body, (await served('manifest.json.sig')).body, await publicKey(), { now: new Date(), minSerial: 1 }).serial).toBe(1);
    if (haveOpenssl) expect(await opensslVerifies()).toBe(true);

    // The same bytes again change nothing, not even the serial.
    const again = await send(demo, 'message_demo.rcc');
    expect(again.status).toBe(200);
    expect((await served('manifest.json')).body.equals(manifest.body)).toBe(true);
  });

  it('replaces an add-on with new bytes: the serial grows, the new signature verifies, the old sha256 stays in the history', async () => {
    const before = await index();
    // Qt's default output: the translation file is a zstd entry, decoded by the bounded worker.
    const zstd = fixture('zstd');
    const res = await send(zstd, 'message_demo.rcc');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const after = await index();
    expect(after.serial).toBeGreaterThan(before.serial);
    expect(after.addons).toEqual([{ id: 'message_demo', sha256: sha256(zstd) }]);
    expect((await served('message_demo.rcc')).body.equals(zstd)).toBe(true);
    if (haveOpenssl) expect(await opensslVerifies()).toBe(true);
    const details = await api('/vpn/message_demo');
    expect(details.body).toMatchObject({ id: 'message_demo', name: 'Demo message', type: 'message', sha256: sha256(zstd), publisherKey: 'default', withdrawnAt: null });
    expect(details.body.history.map((h: { sha256: string }) => h.sha256)).toEqual([sha256(demo)]);
    expect(details.body.conditions).toMatchObject({ platforms: ['linux', 'macos', 'windows'], javascript: 'condition.js' });
    const audit = readFileSync(path.join(dataDir(), 'private', 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.target === 'message_demo').map((e) => [e.action, e.revision, e.details.replaced ?? null])).toEqual([['publish', 1, null], ['publish', 2, sha256(demo)]]);
  });

  it.skipIf(!haveRcc)('publishes add-ons built by Qt rcc, with warnings for conditions no client meets', async () => {
    const guide = buildVpnAddon(vpnManifest('guide_rcc', { type: 'guide', conditions: { platforms: ['amiga'] } }));
    const res = await send(guide, 'guide_rcc.rcc');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.warnings.join('\n')).toContain('[NO_KNOWN_PLATFORM]');
    expect((await index()).addons.map((a: { id: string }) => a.id)).toEqual(['guide_rcc', 'message_demo']);
    const list = await api('/vpn');
    expect(list.body.addons.map((a: any) => [a.id, a.type, a.links.rcc])).toEqual([
      ['guide_rcc', 'guide', `${server.url}/vpn/guide_rcc.rcc`],
      ['message_demo', 'message', `${server.url}/vpn/message_demo.rcc`],
    ]);
    expect(list.body.addons[0].warnings.map((w: { code: string }) => w.code)).toEqual(['UNKNOWN_PLATFORM', 'NO_KNOWN_PLATFORM']);
  });

  it("refuses another publisher's token with 403 and changes nothing", async () => {
    const before = snapshotTree(dataDir());
    const res = await send(fixture('none'), 'message_demo.rcc', otherToken);
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'ADDON_OWNED_BY_OTHER_KEY' } } });
    expect(await api('/vpn/message_demo', 'DELETE', otherToken)).toMatchObject({ status: 403, body: { error: { code: 'ADDON_OWNED_BY_OTHER_KEY' } } });
    expect(snapshotTree(dataDir())).toEqual(before);
  });

  it('refuses hostile .rcc files with 400 and their VpnError code, writing nothing', async () => {
    const before = snapshotTree(dataDir());
    const cases: [Buffer, string, string][] = [
      [demo.subarray(0, demo.length - 9), 'message_demo.rcc', 'VPN_RCC_INVALID'],
      [demo, 'another_id.rcc', 'VPN_ID_MISMATCH'],
      [demo, 'message_demo.bin', 'VPN_ID_MISMATCH'],
      [Buffer.concat([Buffer.from('qres'), Buffer.alloc(3)]), 'x.rcc', 'VPN_RCC_INVALID'],
    ];
    if (haveRcc) {
      cases.push([buildVpnAddon(vpnManifest('../escape')), '../escape.rcc', 'VPN_ID_INVALID']);
      cases.push([buildVpnAddon(vpnManifest('Message_Demo')), 'Message_Demo.rcc', 'ADDON_ID_CASE_CONFLICT']);
    }
    for (const [bytes, name, code] of cases) {
      const res = await send(bytes, name);
      expect({ name, code: res.body.error?.code }).toEqual({ name, code });
      expect(res.status, name).toBe(code === 'ADDON_ID_CASE_CONFLICT' ? 409 : 400);
    }
    expect(snapshotTree(dataDir())).toEqual(before);
  });

  it('refuses a zstd frame the decoder would never finish, answering other requests meanwhile', async () => {
    const before = snapshotTree(dataDir());
    const manifest = JSON.stringify({ api_version: '0.1', id: 'message_demo', name: 'x', type: 'message', conditions: {}, message: { id: 'm', blocks: [] } });
    let settled = false;
    const pending = send(rccWithZstdEntry(spinningZstdFrame(), Buffer.from(manifest)), 'message_demo.rcc').finally(() => (settled = true));
    // The decoder runs until its deadline (RCC.zstdDeadlineMs) in a worker; the index is served meanwhile.
    expect((await served('manifest.json')).status).toBe(200);
    expect(settled).toBe(false);
    expect(await pending).toMatchObject({ status: 400, body: { error: { code: 'VPN_RCC_TOO_COMPLEX' } } });
    expect(snapshotTree(dataDir())).toEqual(before);
  });

  it('answers the admin upload form with the index to use', async () => {
    const admin = new AdminClient(server.url);
    expect((await admin.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
    const res = await admin.upload(fixture('none'), 'message_demo.rcc', { key: 'default' });
    const html = await res.text();
    expect(res.status, html).toBe(201);
    expect(html).toContain(`data-copy="${server.url}/vpn/manifest.json"`);
    expect(html).toContain('Demo message');
  });

  it('shows the index, every condition and the ones never met in the admin, and withdraws there (asked twice)', async () => {
    const manifest = vpnManifest('admin_demo', { conditions: { platforms: ['linux', 'amiga'], start_time: 2_000_000_000, end_time: 1_900_000_000, min_client_version: '2.10.0', locales: ['de', 'fr'] } });
    const published = await send(rccOf({ 'manifest.json': JSON.stringify(manifest) }), 'admin_demo.rcc');
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const admin = new AdminClient(server.url);
    expect((await admin.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
    const list = await (await admin.request('/admin/vpn')).text();
    expect(list).toContain(`data-copy="${server.url}/vpn/"`);
    expect(list).toContain(`<dd>${(await index()).serial}</dd>`);
    expect(list).toContain((await api('/vpn/key')).body.pem.split('\n')[1]);
    expect(list).toMatch(/admin_demo[\s\S]*never met/);

    const page = await (await admin.request('/admin/vpn/admin_demo')).text();
    for (const shown of ['linux, amiga', 'unknown: amiga', 'Client version from', '2.10.0', 'de, fr', '2033-05-18 03:33 UTC', 'END_BEFORE_START', 'UNKNOWN_PLATFORM', 'Withdraw admin_demo']) expect(page).toContain(shown);

    const csrf = await admin.csrf('/admin/vpn/admin_demo');
    const asked = await admin.post('/admin/vpn/admin_demo/withdraw', { _csrf: csrf });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('The index is signed again at once without it');
    expect((await index()).addons.map((a: { id: string }) => a.id)).toContain('admin_demo');
    expect((await admin.post('/admin/vpn/admin_demo/withdraw', { _csrf: csrf, confirm: 'yes' })).status).toBe(303);
    expect((await index()).addons.map((a: { id: string }) => a.id)).not.toContain('admin_demo');
    expect(await (await admin.request('/admin/vpn/admin_demo')).text()).toContain('withdrawn');
    expect((await admin.request('/admin/vpn/nobody')).status).toBe(404);
  });

  it('withdraws: out of the index at once, the file aside, idempotent', async () => {
    const before = await index();
    const { sha256: current } = (await api('/vpn/message_demo')).body;
    const res = await api('/vpn/message_demo', 'DELETE');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'message_demo', links: { rcc: null } });
    expect(res.body.withdrawnAt).toEqual(expect.any(String));
    const after = await index();
    expect(after.serial).toBeGreaterThan(before.serial);
    expect(after.addons.map((a: { id: string }) => a.id)).not.toContain('message_demo');
    expect((await served('message_demo.rcc')).status).toBe(404);
    expect(existsSync(path.join(dataDir(), 'private', 'withdrawn', 'vpn', 'message_demo', `${current}.rcc`))).toBe(true);
    if (haveOpenssl) expect(await opensslVerifies()).toBe(true);

    expect((await api('/vpn/message_demo', 'DELETE')).status).toBe(200);
    expect((await index()).serial).toBe(after.serial);
    expect(await api('/vpn/nobody', 'DELETE')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('repairs the index folder at start: a deleted signature, a stray .rcc', async () => {
    const { dir } = server;
    const { serial } = await index();
    await server.close();
    const folder = path.join(dir, 'storage', 'public', 'vpn');
    rmSync(path.join(folder, 'manifest.json.sig'));
    writeFileSync(path.join(folder, 'never_acknowledged.rcc'), 'a publish that died before its record');
    server = await startServer({ dir });
    expect(existsSync(path.join(folder, 'never_acknowledged.rcc'))).toBe(false);
    const repaired = await index();
    expect(repaired.serial).toBeGreaterThan(serial);
    const sig = (await served('manifest.json.sig')).body;
    expect(verifyIndex((await served('manifest.json')).body, sig, await publicKey(), { now: new Date(), minSerial: repaired.serial }).serial).toBe(repaired.serial);
    if (haveOpenssl) expect(await opensslVerifies()).toBe(true);

    // A start with nothing to repair keeps the served index as it is.
    await server.close();
    server = await startServer({ dir });
    expect((await index()).serial).toBe(repaired.serial);
  });
});
