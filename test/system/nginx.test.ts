import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { startNginx, type RunningNginx } from '../helpers/nginx.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { requireTool } from '../helpers/system-tools.ts';
import { buildJpl, signerFor } from '../helpers/jami-jpl.ts';
import { jamiPki } from '../helpers/jami-pki.ts';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

const nginxPresent = requireTool('nginx') && requireTool('openssl');
const GUID = '{0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}';
const EMAIL = 'served@example.org';
const FF = [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }];
const COMPARED_HEADERS = ['content-type', 'cache-control', 'content-length', 'x-content-type-options'];
const MULTI = 'multi@example.org';
const TB = '{3550f703-e582-4d05-9a08-453d09bdfdc6}';
const SM = '{92650c4d-4b8e-4d2a-b7eb-24ecf4f6b63a}';
const PM = '{8de7fcbb-c55c-4fbe-bfc5-fc555c87dbc4}';
const MULTI_UPLOADS: [string, { id: string; minVersion: string; maxVersion: string }[], string[]][] = [
  ['1.0', [{ id: FIREFOX_ID, minVersion: '45.0', maxVersion: '56.*' }, { id: SM, minVersion: '2.40', maxVersion: '2.53.*' }, { id: PM, minVersion: '28.0', maxVersion: '33.*' }], []],
  ['2.0', [{ id: FIREFOX_ID, minVersion: '57.0', maxVersion: '*' }, { id: TB, minVersion: '60.0', maxVersion: '128.*' }], []],
  ['2.0', [{ id: FIREFOX_ID, minVersion: '57.0', maxVersion: '*' }], ['WINNT_x86_64-msvc']],
  ['2.1', [{ id: FIREFOX_ID, minVersion: '115.0', maxVersion: '*' }], ['Linux']],
];
const enc = encodeURIComponent;
/** Query strings as real clients build them from their update URL templates; `static` = nginx answers from disk. */
const QUERIES: [string, boolean][] = [
  [`/updates/${MULTI}?appID=${FIREFOX_ID}`, true],
  [`/updates/${enc(MULTI)}?appID=${enc(FIREFOX_ID)}&appOS=WINNT&appABI=x86_64-msvc`, true],
  [`/updates/${MULTI}?reqVersion=2&id=${MULTI}&version=1.0&appID=${FIREFOX_ID}&appOS=Linux&appABI=x86_64-gcc3&locale=en-US`, true],
  [`/updates/${MULTI}?appID=${FIREFOX_ID}&appOS=Darwin&appABI=aarch64-gcc3`, true],
  [`/updates/${MULTI}?appID=${TB}&appOS=Linux&appABI=x86_64-gcc3`, true],
  [`/updates/${MULTI}?appID=${SM}&appOS=WINNT&appABI=x86-msvc`, true],
  [`/updates/${MULTI}?appID=${enc(PM)}&appOS=Linux`, true],
  [`/updates/${MULTI}?appID=${FIREFOX_ID}&compatMode=strict`, true],
  [`/update?id=${MULTI}&appID=${FIREFOX_ID}&appOS=WINNT&appABI=x86_64-msvc`, true],
  [`/update?id=${enc(MULTI)}&appID=${FIREFOX_ID}`, false],
  [`/updates/${MULTI}?reqVersion=2&id=${MULTI}&version=2.0&maxAppVersion=*&status=userEnabled&appID=${FIREFOX_ID}&appVersion=128.5.0&appOS=Linux&appABI=x86_64-gcc3&locale=de&currentAppVersion=128.5.0&updateType=112&compatMode=normal`, false],
  [`/updates/${MULTI}?reqVersion=2&id=${MULTI}&version=1.0&appID=${FIREFOX_ID}&appVersion=52.9.0&appOS=WINNT&appABI=x86-msvc&compatMode=strict`, false],
  [`/updates/${MULTI}?appID=${TB}&appVersion=52.0&compatMode=normal`, false],
  [`/updates/${MULTI}?appID=${SM}&appVersion=2.53.18&compatMode=strict&appOS=Linux&appABI=x86_64-gcc3`, false],
  [`/update?id=${MULTI}&appID=${FIREFOX_ID}&appVersion=140.0&compatMode=ignore&appOS=Linux&appABI=x86_64-gcc3`, false],
  [`/updates/${MULTI}?appID={00000000-0000-0000-0000-000000000000}`, false],
  [`/updates/${MULTI}`, false],
  [`/updates/nobody@example.org?appID=${FIREFOX_ID}`, false],
];

describe.skipIf(!nginxPresent)('nginx/outpost.conf with a real nginx', () => {
  let server: TestServer;
  let nginx: RunningNginx;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    const pki = await jamiPki();
    const anchor = path.join(pki.dir, 'nginx-anchor.pem');
    writeFileSync(anchor, pki.root.pem);
    server = await startServer({ maxUploadMb: 4, env: { OUTPOST_JAMI_TRUST_ANCHORS: anchor } });
    const jpl = await buildJpl({ id: 'StorePlugin', version: '1.2.0', abis: ['x86_64-linux-gnu'], signWith: signerFor(pki, pki.plugin, pki.org) });
    expect((await publish(server, server.token, jpl, {}, 'package')).status).toBe(201);
    // A Mozilla VPN add-on, for the signed index folder (named <id>.rcc, as the server requires).
    const vpnForm = new FormData();
    vpnForm.set('package', new Blob([new Uint8Array(fixture('none'))]), 'message_demo.rcc');
    const vpn = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: vpnForm, headers: { authorization: `Bearer ${server.token}` } });
    expect(vpn.status).toBe(201);
    // nginx workers run as an unprivileged user: the public tree must be reachable for them,
    // exactly as in a real deployment (the scratch folder itself is created 0700).
    chmodSync(server.dir, 0o755);
    for (const [id, version] of [[EMAIL, '1.0'], [EMAIL, '1.1'], [GUID, '3.0']] as const) {
      const res = await publish(server, server.token, await buildXpi({ 'install.rdf': installRdf({ id, version, targets: FF }) }));
      expect(res.status).toBe(201);
      files[`${id} ${version}`] = new URL(res.body.links.download).pathname;
    }
    // An add-on for several applications, with a platform-specific package, for the query table.
    for (const [version, targets, platforms] of MULTI_UPLOADS) {
      const res = await publish(server, server.token, await buildXpi({ 'install.rdf': installRdf({ id: MULTI, version, targets, targetPlatforms: platforms }), 'p.txt': platforms.join() }));
      expect(res.status).toBe(201);
    }
    // With an access log (the shipped config's /feeds/ location must keep feed secrets out of it).
    nginx = await startNginx({ publicDir: server.outpost.layout.publicDir, upstream: server.url, clientMaxBodyMb: 4, accessLog: true });
  });

  afterAll(async () => {
    await nginx?.stop();
    await server?.close();
    if (nginx) rmSync(nginx.prefix, { recursive: true, force: true });
  });

  it('passes private feeds to Outpost and keeps their secret out of the access log', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const created = await (await fetch(`${server.url}/api/v1/feeds?scope=${enc(`addon ${EMAIL}`)}`, { method: 'POST', headers: auth })).json();
    const secret = new URL(created.url).pathname.split('/')[2]!;
    expect((await fetch(`${server.url}/api/v1/addons/${enc(EMAIL)}/visibility/private`, { method: 'POST', headers: auth })).status).toBe(200);
    try {
      const doc = await rawGet(`${nginx.url}/feeds/${secret}/updates/${enc(EMAIL)}/update.rdf`);
      expect(doc.status).toBe(200);
      expect(doc.headers['cache-control']).toBe('private, max-age=60');
      const pkg = await rawGet(`${nginx.url}/feeds/${secret}/files/${enc(EMAIL)}/${enc(`${EMAIL}-1.0.xpi`)}`);
      expect(pkg.status).toBe(200);
      expect(pkg.headers['cache-control']).toBe('private, max-age=31536000, immutable');
      // The static tree has none of it any more.
      expect((await rawGet(`${nginx.url}${files[`${EMAIL} 1.0`]}`)).status).toBe(404);
      expect((await rawGet(`${nginx.url}/feeds/${'A'.repeat(43)}/updates/${enc(EMAIL)}/update.rdf`)).status).toBe(404);
      const log = readFileSync(path.join(nginx.prefix, 'logs/access.log'), 'utf8');
      expect(log).toContain(files[`${EMAIL} 1.0`]!.split('/').pop());
      expect(log).not.toContain('/feeds/');
    } finally {
      expect((await fetch(`${server.url}/api/v1/addons/${enc(EMAIL)}/visibility/public`, { method: 'POST', headers: auth })).status).toBe(200);
    }
  });

  it('answers the same status, headers and bodies as Express for the URLs clients use', async () => {
    const paths = [
      `/updates/${EMAIL}/update.rdf`,
      `/updates/${encodeURIComponent(EMAIL)}/update.rdf`,
      `/updates/${GUID}/update.rdf`,
      `/updates/${encodeURIComponent(GUID)}/update.rdf?reqVersion=2&id=${encodeURIComponent(GUID)}&version=2.0&appID=${encodeURIComponent(FIREFOX_ID)}&appVersion=52.9&appOS=Linux&appABI=x86_64-gcc3`,
      `/updates/${GUID}/update.rdf?reqVersion=2&id=${GUID}&appID=${FIREFOX_ID}`,
      files[`${EMAIL} 1.0`]!,
      files[`${EMAIL} 1.1`]!,
      files[`${GUID} 3.0`]!,
      `/updates/unknown@example.org/update.rdf`,
      `/files/unknown@example.org/unknown-1.0.xpi`,
      '/vpn/manifest.json',
      '/vpn/manifest.json.sig',
      '/vpn/message_demo.rcc',
      '/vpn/nobody.rcc',
      `/api/v1/addons`,
      `/healthz`,
    ];
    for (const p of paths) {
      const [viaExpress, viaNginx] = await Promise.all([rawGet(server.url + p), rawGet(nginx.url + p)]);
      const pick = (h: Record<string, unknown>) => Object.fromEntries(COMPARED_HEADERS.map((k) => [k, h[k]]));
      expect({ p, status: viaNginx.status }).toEqual({ p, status: viaExpress.status });
      if (viaExpress.status === 200 && !p.startsWith('/healthz') && !p.startsWith('/api')) {
        expect(pick(viaNginx.headers), p).toEqual(pick(viaExpress.headers));
        // nginx's own strong ETag proves it read the file itself: with an unreadable public
        // tree, try_files would quietly hand every request to Outpost instead.
        expect(viaNginx.headers.etag, p).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      }
      else expect(viaNginx.headers['content-type'], p).toBe(viaExpress.headers['content-type']);
      expect(viaNginx.body.equals(viaExpress.body), p).toBe(true);
    }
  });

  it('answers update queries like Express, from disk whenever nothing needs filtering', async () => {
    for (const [p, fromDisk] of QUERIES) {
      const [viaExpress, viaNginx] = await Promise.all([rawGet(server.url + p), rawGet(nginx.url + p)]);
      expect({ p, status: viaNginx.status }).toEqual({ p, status: viaExpress.status });
      expect(viaNginx.headers['content-type'], p).toBe(viaExpress.headers['content-type']);
      expect(viaNginx.body.toString(), p).toBe(viaExpress.body.toString());
      if (viaExpress.status === 200) expect(viaNginx.headers['cache-control'], p).toBe(viaExpress.headers['cache-control']);
      // nginx's strong ETag appears only on what it read from disk itself.
      expect({ p, fromDisk: /^"[0-9a-f]+-[0-9a-f]+"$/.test(String(viaNginx.headers.etag)) }).toEqual({ p, fromDisk });
    }
  });

  it('serves the Jami Extension Store at the root of its own host name', async () => {
    const host = { host: 'plugins.example.org' };
    for (const [viaNginx, direct] of [
      ['/?arch=x86_64-linux-gnu', '/jami/?arch=x86_64-linux-gnu'],
      ['/details/StorePlugin?arch=x86_64-linux-gnu', '/jami/details/StorePlugin?arch=x86_64-linux-gnu'],
      ['/versions/StorePlugin?arch=x86_64-linux-gnu', '/jami/versions/StorePlugin?arch=x86_64-linux-gnu'],
      ['/versions/Nobody?arch=x86_64-linux-gnu', '/jami/versions/Nobody?arch=x86_64-linux-gnu'],
      ['/download/x86_64-linux-gnu/StorePlugin', '/jami/download/x86_64-linux-gnu/StorePlugin'],
      ['/icons/StorePlugin?arch=x86_64-linux-gnu', '/jami/icons/StorePlugin?arch=x86_64-linux-gnu'],
    ]) {
      const [a, b] = await Promise.all([rawGet(nginx.url + viaNginx, host), rawGet(server.url + direct)]);
      expect({ viaNginx, status: a.status }).toEqual({ viaNginx, status: b.status });
      expect(a.headers['content-type'], viaNginx).toBe(b.headers['content-type']);
      expect(a.body.equals(b.body), viaNginx).toBe(true);
    }
    const list = JSON.parse((await rawGet(`${nginx.url}/?arch=x86_64-linux-gnu`, host)).body.toString());
    expect(list.map((p: { id: string }) => p.id)).toEqual(['StorePlugin']);
  });

  it('supports conditional GET and byte ranges like Express', async () => {
    for (const base of [server.url, nginx.url]) {
      const url = `${base}/updates/${EMAIL}/update.rdf`;
      const first = await rawGet(url);
      expect((await rawGet(url, { 'if-none-match': String(first.headers.etag) })).status, base).toBe(304);
      expect((await rawGet(url, { 'if-modified-since': String(first.headers['last-modified']) })).status, base).toBe(304);
      const part = await rawGet(base + files[`${EMAIL} 1.0`]!, { range: 'bytes=0-3' });
      expect(part.status, base).toBe(206);
      expect(part.body.toString('latin1'), base).toBe('PK\u0003\u0004');
    }
  });

  it('never serves dotfiles or anything outside the public tree', async () => {
    for (const p of [
      `/updates/${EMAIL}/.update.rdf.0123456789ab.tmp`,
      '/.hidden',
      '/../private/tokens.json',
      '/updates/../../private/tokens.json',
      '/files/%2e%2e/%2e%2e/private/tokens.json',
      '/private/tokens.json',
      '/keys/default.key.pem',
    ]) {
      const res = await rawGet(nginx.url + p);
      expect([400, 403, 404], p).toContain(res.status);
      expect(res.body.toString(), p).not.toMatch(/"tokens"|PRIVATE KEY/);
    }
  });

  it('proxies publishing (streaming the upload) and enforces the same size limit', async () => {
    const xpi = await buildXpi({ 'install.rdf': installRdf({ id: EMAIL, version: '1.2', targets: FF }), 'big.bin': randomBytes(1024 * 1024) });
    const res = await publish({ url: nginx.url }, server.token, xpi);
    expect(res.status).toBe(201);
    const served = await rawGet(`${nginx.url}/updates/${EMAIL}/update.rdf`);
    expect(served.body.toString()).toContain('<em:version>1.2</em:version>');

    const form = new FormData();
    form.set('package', new Blob([randomBytes(5 * 1024 * 1024)]), 'huge.xpi');
    const tooLarge = await fetch(`${nginx.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } });
    expect(tooLarge.status).toBe(413);
  });
});
