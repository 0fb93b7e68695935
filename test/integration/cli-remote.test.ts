import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildXpi, FIREFOX_ID, installRdf, webextManifest } from '../helpers/build-xpi.ts';
import { cliRunner } from '../helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';

const WEB_ID = 'web-cli@example.org';
const LEGACY_ID = 'legacy-cli@example.org';

function legacyXpi(version: string, updateKey: string): Promise<Buffer> {
  return buildXpi({ 'install.rdf': installRdf({ id: LEGACY_ID, version, updateKey, targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) });
}

function serverEnv(server: TestServer): NodeJS.ProcessEnv {
  return { OUTPOST_DATA: path.join(server.dir, 'storage'), OUTPOST_KEYS: path.join(server.dir, 'keys'), OUTPOST_KEY_PASSPHRASE: 'test passphrase', OUTPOST_PUBLIC_URL: server.url };
}

describe('outpost against a running server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('publishes a WebExtension with release notes and prints its update.json', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
    writeFileSync(path.join(cwd, 'web.xpi'), await buildXpi({ 'manifest.json': webextManifest({ id: WEB_ID, version: '2.0' }) }));
    writeFileSync(path.join(cwd, 'notes.txt'), 'Everything is faster.');
    writeFileSync(path.join(cwd, 'notes.de.txt'), 'Alles ist schneller.');
    const out = await run('publish', 'web.xpi', '--release-notes', 'notes.txt', '--release-notes', 'de=notes.de.txt');
    expect(out.code, out.stderr).toBe(0);
    const manifest = /^Manifest: (\S+)$/m.exec(out.stdout)?.[1];
    expect(manifest).toBe(`${server.url}/updates/${encodeURIComponent(WEB_ID)}/update.json`);
    const json = (await (await fetch(manifest!)).json()) as { addons: Record<string, { updates: { version: string }[] }> };
    expect(json.addons[WEB_ID]!.updates.map((u) => u.version)).toEqual(['2.0']);
    const notes = (locale: string) => fetch(`${server.url}/notes/${encodeURIComponent(WEB_ID)}/2.0/${locale}`).then((r) => r.text());
    expect(await notes('de')).toContain('Alles ist schneller.');
    expect(await notes('en-US')).toContain('Everything is faster.');
  });

  it('withdraws and restores a version; verify checks the served update.rdf by URL', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
    for (const v of ['1.0', '1.1']) {
      writeFileSync(path.join(cwd, `legacy-${v}.xpi`), await legacyXpi(v, server.updateKey));
      expect((await run('publish', `legacy-${v}.xpi`)).code).toBe(0);
    }
    const manifestUrl = `${server.url}/updates/${encodeURIComponent(LEGACY_ID)}/update.rdf`;
    const served = () => fetch(manifestUrl).then((r) => r.text());

    expect(await run('withdraw', LEGACY_ID, '1.1')).toMatchObject({ code: 0, stdout: `Withdrew ${LEGACY_ID} 1.1. Offered now: 1.0.\n` });
    expect(await served()).not.toMatch(/version>1\.1</);
    expect((await run('withdraw', LEGACY_ID, '1.1')).code).toBe(0);
    expect(await run('restore', LEGACY_ID, '1.1')).toMatchObject({ code: 0, stdout: `Restored ${LEGACY_ID} 1.1. Offered now: 1.1, 1.0.\n` });
    expect(await served()).toMatch(/version>1\.1</);

    const verified = await run('verify', manifestUrl, '--update-key', server.updateKey);
    expect(verified).toMatchObject({ code: 0, stdout: `OK   ${LEGACY_ID} (sha512WithRSAEncryption)\n` });
    const refused = await run('verify', 'ftp://example.org/update.rdf', '--update-key', server.updateKey);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/only http:\/\/ and https:\/\/ URLs are fetched.*\[FETCH_URL_REFUSED\]\n$/);
  });

  it('publishes a VPN add-on and withdraws it by id alone; restore by id alone says how', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
    writeFileSync(path.join(cwd, 'message_demo.rcc'), fixture('none'));
    expect((await run('publish', 'message_demo.rcc')).code).toBe(0);
    const index = async () => ((await (await fetch(`${server.url}/vpn/manifest.json`)).json()) as { addons: { id: string }[] }).addons.map((a) => a.id);
    expect(await index()).toContain('message_demo');
    expect(await run('withdraw', 'message_demo')).toMatchObject({ code: 0, stdout: 'Withdrew the VPN add-on message_demo: the signed index no longer lists it. Publish the same .rcc again to bring it back.\n' });
    expect(await index()).not.toContain('message_demo');
    expect((await run('withdraw', 'message_demo')).code).toBe(0);
    const missing = await run('withdraw', 'nobody_here');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('HTTP 404');
    const restore = await run('restore', 'message_demo');
    expect(restore.code).not.toBe(0);
    expect(restore.stderr).toContain('publishing the same .rcc again');
  });

  it('tells a --server pointing at the admin pages from a refused token', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_TOKEN: server.token });
    writeFileSync(path.join(cwd, 'a.xpi'), await legacyXpi('3.0', server.updateKey));
    for (const argv of [['publish', 'a.xpi'], ['withdraw', LEGACY_ID, '1.0']]) {
      const out = await run(...argv, '--server', `${server.url}/admin`);
      expect(out.code).toBe(1);
      expect(out.stderr, argv[0]).toMatch(/is not an Outpost API: .*without \/admin\) \(HTTP 403\)\n$/);
    }
  });
});

describe('outpost rebuild', () => {
  it('re-renders every served document of the data folder and says how many add-ons', async () => {
    const server = await startServer();
    const { cwd, run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
    writeFileSync(path.join(cwd, 'a.xpi'), await legacyXpi('1.0', server.updateKey));
    expect((await run('publish', 'a.xpi')).code).toBe(0);
    const document = path.join(server.dir, 'storage/public/updates', LEGACY_ID, 'update.rdf');
    const before = readFileSync(document, 'utf8');
    await server.close();

    rmSync(document);
    const rebuilt = await cliRunner(serverEnv(server)).run('rebuild');
    expect(rebuilt).toEqual({ code: 0, stdout: 'Rebuilt the documents of 1 add-on.\n', stderr: '' });
    expect(readFileSync(document, 'utf8')).toBe(before);

    const nowhere = await cliRunner({ ...serverEnv(server), OUTPOST_DATA: path.join(server.dir, 'missing') }).run('rebuild');
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('[CLI_NO_DATA_FOLDER]');
  });
});
