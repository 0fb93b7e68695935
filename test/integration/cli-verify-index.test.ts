import crypto from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderIndex, signIndex } from '../../src/vpn/vpn-index.ts';
import { cliRunner } from '../helpers/cli.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

/** `outpost verify-index` against the index a real server serves, over HTTP and from files. */
describe('outpost verify-index', () => {
  let server: TestServer;
  const { cwd, run } = cliRunner();
  let serial: number;
  const sha = crypto.createHash('sha256').update(fixture('none')).digest('hex');
  const indexUrl = () => `${server.url}/vpn/manifest.json`;

  beforeAll(async () => {
    server = await startServer();
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(fixture('none'))]), 'message_demo.rcc');
    const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } });
    expect(res.status).toBe(201);
    serial = ((await res.json()) as { serial: number }).serial;
    const key = (await (await fetch(`${server.url}/api/v1/vpn/key`, { headers: { authorization: `Bearer ${server.token}` } })).json()) as { pem: string; der: string };
    writeFileSync(path.join(cwd, 'index.pem'), key.pem);
    writeFileSync(path.join(cwd, 'index.der'), Buffer.from(key.der, 'base64'));
    writeFileSync(path.join(cwd, 'index.b64'), `${key.der}\n`);
    writeFileSync(path.join(cwd, 'other.pem'), crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }));
  });
  afterAll(() => server?.close());

  it('passes on the served index, with the key as PEM, DER or base64 DER', async () => {
    for (const key of ['index.pem', 'index.der', 'index.b64']) {
      const out = await run('verify-index', indexUrl(), '--key', key, '--min-serial', String(serial));
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(`message_demo  ${sha}\n`);
      expect(out.stdout).toMatch(new RegExp(`^OK .*serial ${serial}, expires \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, 1 add-on$`, 'm'));
    }
    // The base URL a client is given works too.
    expect((await run('verify-index', `${server.url}/vpn/`, '--key', 'index.pem')).code).toBe(0);
  });

  it('fails on a tampered index, another key, or a serial below the one asked for', async () => {
    const folder = path.join(cwd, 'copy');
    mkdirSync(folder, { recursive: true });
    const index = (await rawGet(indexUrl())).body;
    writeFileSync(path.join(folder, 'manifest.json.sig'), (await rawGet(`${indexUrl()}.sig`)).body);
    writeFileSync(path.join(folder, 'manifest.json'), index);
    expect((await run('verify-index', 'copy', '--key', 'index.pem')).code).toBe(0);

    writeFileSync(path.join(folder, 'manifest.json'), index.toString('utf8').replace(sha, 'f'.repeat(64)));
    const tampered = await run('verify-index', 'copy/manifest.json', '--key', 'index.pem');
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('[VPN_INDEX_SIGNATURE_INVALID]');
    expect(tampered.stdout).toBe('');

    const otherKey = await run('verify-index', indexUrl(), '--key', 'other.pem');
    expect(otherKey.stderr).toContain('[VPN_INDEX_SIGNATURE_INVALID]');

    // A stale index, signed with the right key: refused once "expires" has passed.
    const stale = renderIndex({ addons: [{ id: 'message_demo', sha256: sha }], serial: serial + 5, expires: new Date(Date.now() - 1000) });
    writeFileSync(path.join(folder, 'manifest.json'), stale);
    writeFileSync(path.join(folder, 'manifest.json.sig'), signIndex(stale, await server.outpost.keys.signer('vpn')));
    const expired = await run('verify-index', 'copy', '--key', 'index.pem');
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain('[VPN_INDEX_EXPIRED]');

    const replayed = await run('verify-index', indexUrl(), '--key', 'index.pem', '--min-serial', String(serial + 1));
    expect(replayed.code).toBe(1);
    expect(replayed.stderr).toContain('[VPN_INDEX_ROLLBACK]');

    // An index as Mozilla signs it (no serial, no expiry): only --signature-only accepts it.
    const plain = Buffer.from(JSON.stringify({ api_version: '0.1', addons: [{ id: 'message_demo', sha256: sha }] }));
    writeFileSync(path.join(folder, 'manifest.json'), plain);
    writeFileSync(path.join(folder, 'manifest.json.sig'), signIndex(plain, await server.outpost.keys.signer('vpn')));
    expect((await run('verify-index', 'copy', '--key', 'index.pem')).stderr).toContain('[VPN_INDEX_EXPIRED]');
    const signatureOnly = await run('verify-index', 'copy', '--key', 'index.pem', '--signature-only');
    expect(signatureOnly).toMatchObject({ code: 0 });
    expect(signatureOnly.stdout).toContain('signature valid, serial none, expires never said (not checked), 1 add-on');
    expect((await run('verify-index', 'copy', '--key', 'index.pem', '--signature-only', '--min-serial', '3')).code).toBe(2);
    writeFileSync(path.join(folder, 'manifest.json'), plain.toString('utf8').replace(sha, 'f'.repeat(64)));
    expect((await run('verify-index', 'copy', '--key', 'index.pem', '--signature-only')).stderr).toContain('[VPN_INDEX_SIGNATURE_INVALID]');
  });

  it('explains bad input in one line', async () => {
    expect((await run('verify-index', indexUrl())).stderr).toContain('give the index public key with --key');
    expect((await run('verify-index', indexUrl(), '--key', 'index.pem', '--min-serial', 'soon')).code).toBe(2);
    writeFileSync(path.join(cwd, 'junk.key'), 'not a key');
    expect((await run('verify-index', indexUrl(), '--key', 'junk.key')).stderr).toContain('[VPN_KEY_UNSUPPORTED]');
    expect((await run('verify-index', `${server.url}/nothing/manifest.json`, '--key', 'index.pem')).stderr).toContain('[FETCH_STATUS]');
  });
});
