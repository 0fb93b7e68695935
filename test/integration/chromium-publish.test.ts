import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCrx3 } from '../../src/crx/crx3-read.ts';
import { extensionIdOf } from '../../src/crx/extension-id.ts';
import { buildXpi } from '../helpers/build-xpi.ts';
import { buildExtensionZip, ecKey, extensionManifest, handMadeCrx, idOf, rsaKey, spkiOf } from '../helpers/crx-build.ts';
import { cliRunner } from '../helpers/cli.ts';
import { rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { snapshotTree } from '../helpers/snapshot.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The <updatecheck> attributes of each <app>, by appid. */
function updateChecks(xml: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [, appid, check] of xml.matchAll(/<app appid="([a-p]{32})" status="ok">\s*<updatecheck([^>]*)\/>/g)) {
    out[appid!] = Object.fromEntries([...check!.matchAll(/ ([a-z_0-9]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  }
  return out;
}

describe('Chromium extensions', () => {
  let server: TestServer;
  let otherToken: string;
  const developer = rsaKey('chromium-dev');
  const devId = idOf(spkiOf(developer));
  let packedId: string;
  const crxs: Record<string, Buffer> = {};

  const send = async (bytes: Buffer, fileName: string, token = server.token, fields: Record<string, string> = {}) => {
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(bytes)]), fileName);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const check = (query: string) => rawGet(`${server.url}/chromium/updates.xml?${query}`);
  const x = (id: string, v: string) => `x=${encodeURIComponent(`id=${id}&v=${v}&installsource=notfromwebstore&uc`)}`;

  beforeAll(async () => {
    server = await startServer();
    packedId = extensionIdOf(Buffer.from(server.updateKey, 'base64'));
    await server.outpost.keys.create('other');
    otherToken = (await server.outpost.tokens.create('other', 'second publisher')).token;
    crxs['1.0'] = handMadeCrx(await buildExtensionZip(extensionManifest({ version: '1.0' })), { signers: [developer] });
    // A second, ECDSA proof (as the Web Store adds): every proof must verify.
    crxs['2.0'] = handMadeCrx(await buildExtensionZip(extensionManifest({ version: '2.0', minimum_chrome_version: '200' })), { signers: [developer, ecKey('chromium-store')] });
  });
  afterAll(() => server?.close());

  it('publishes a CRX3 under the id of its developer key and serves it byte for byte', async () => {
    const res = await send(crxs['1.0']!, 'ext.crx');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({
      id: devId,
      version: '1.0',
      type: 'chromium-extension',
      sha256: sha256(crxs['1.0']!),
      size: crxs['1.0']!.length,
      links: { download: `${server.url}/files/${devId}/${devId}-1.0.crx`, updateXml: `${server.url}/chromium/updates.xml` },
      warnings: [],
    });
    const download = await rawGet(res.body.links.download);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/x-chrome-extension');
    expect(download.body.equals(crxs['1.0']!)).toBe(true);

    // The content decides, not the name; the same bytes again are no change, other bytes a conflict.
    const two = await send(crxs['2.0']!, 'whatever.xpi');
    expect(two.status, JSON.stringify(two.body)).toBe(201);
    expect((await send(crxs['1.0']!, 'ext.crx')).status).toBe(200);
    const other = handMadeCrx(await buildExtensionZip(extensionManifest({ version: '1.0', description: 'changed' })), { signers: [developer] });
    expect(await send(other, 'ext.crx')).toMatchObject({ status: 409, body: { error: { code: 'VERSION_EXISTS' } } });

    const audit = readFileSync(path.join(server.outpost.config.dataDir, 'private', 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.action === 'publish' && e.target === devId).map((e) => [e.revision, e.details.version])).toEqual([[1, '1.0'], [2, '2.0']]);
  });

  it('packs a plain ZIP with the publisher key (named .zip, or sent with kind=chromium)', async () => {
    const zip = await buildExtensionZip(extensionManifest({ version: '3.1' }));
    const res = await send(zip, 'my-extension.zip');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ id: packedId, version: '3.1', type: 'chromium-extension' });
    const download = await rawGet(res.body.links.download);
    const crx = readCrx3(download.body);
    expect(crx.id).toBe(packedId);
    expect(crx.developerKeySpki.toString('base64')).toBe(server.updateKey);
    expect(download.body.subarray(crx.zipOffset).equals(zip)).toBe(true);
    expect(res.body.sha256).toBe(sha256(download.body));

    const next = await send(await buildExtensionZip(extensionManifest({ version: '3.2' })), 'upload.bin', server.token, { kind: 'chromium' });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(readCrx3((await rawGet(next.body.links.download)).body).id).toBe(packedId);
    // Packing is deterministic: the same ZIP again is the same package.
    expect((await send(zip, 'my-extension.zip')).status).toBe(200);
  });

  it('answers every x= of a gupdate check from the records', async () => {
    const hashOf = async (id: string, version: string) => sha256((await rawGet(`${server.url}/files/${id}/${id}-${version}.crx`)).body);
    const unknown = 'a'.repeat(32);
    const res = await check(`os=linux&prodversion=201.0.1.2&${x(devId, '1.0')}&${x(packedId, '0.0.0.0')}&${x(unknown, '1.0')}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    const answers = updateChecks(res.body.toString());
    expect(answers[devId]).toEqual({ status: 'ok', codebase: `${server.url}/files/${devId}/${devId}-2.0.crx`, version: '2.0', prodversionmin: '200', hash_sha256: await hashOf(devId, '2.0'), size: String(crxs['2.0']!.length) });
    expect(answers[packedId]).toMatchObject({ status: 'ok', version: '3.2', hash_sha256: await hashOf(packedId, '3.2') });
    expect(answers[unknown]).toEqual({ status: 'noupdate' });

    // A browser below minimum_chrome_version is offered nothing it cannot run.
    const old = updateChecks((await check(`prodversion=156.0.7000.1&${x(devId, '1.0')}&${x(packedId, '3.2')}`)).body.toString());
    expect(old).toEqual({ [devId]: { status: 'noupdate' }, [packedId]: { status: 'noupdate' } });
    const first = updateChecks((await check(`prodversion=156.0.7000.1&${x(devId, '0.0.0.0')}`)).body.toString());
    expect(first[devId]).toMatchObject({ status: 'ok', version: '1.0' });
  });

  it('refuses a malformed check with a JSON error', async () => {
    for (const query of ['', 'x=id%3Dnot-an-id', `${x(devId, '1.0')}&${x(devId, '2.0')}`]) {
      const res = await fetch(`${server.url}/chromium/updates.xml?${query}`);
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'CRX_UPDATE_QUERY_INVALID', message: expect.any(String) } });
    }
  });

  it('writes a static updates.xml per extension with its newest version', async () => {
    const res = await rawGet(`${server.url}/updates/${devId}/updates.xml?x=ignored`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(updateChecks(res.body.toString())).toEqual({ [devId]: expect.objectContaining({ status: 'ok', version: '2.0', prodversionmin: '200' }) });
  });

  it('refuses tampered packages, a wrong crx_id and a mismatched manifest key, and writes nothing', async () => {
    const before = snapshotTree(server.outpost.config.dataDir);
    const zip = await buildExtensionZip(extensionManifest({ version: '9.0' }));
    const tampered = handMadeCrx(zip, { signers: [developer] });
    tampered[tampered.length - 30]! ^= 1;
    const foreignKey = spkiOf(rsaKey('someone-else')).toString('base64');
    const cases: [string, Buffer, string, string][] = [
      ['a changed byte in the ZIP', tampered, 'ext.crx', 'CRX_PROOF_INVALID'],
      ['a crx_id of another key', handMadeCrx(zip, { signers: [developer], idKey: rsaKey('someone-else') }), 'ext.crx', 'CRX_ID_MISMATCH'],
      ['a manifest key of another key', handMadeCrx(await buildExtensionZip(extensionManifest({ version: '9.0', key: foreignKey })), { signers: [developer] }), 'ext.crx', 'CRX_MANIFEST_KEY_MISMATCH'],
      ['a ZIP to pack whose manifest names another key', await buildExtensionZip(extensionManifest({ version: '9.0', key: foreignKey })), 'ext.zip', 'CRX_MANIFEST_KEY_MISMATCH'],
      ['a ZIP without manifest.json', await buildXpi({ 'background.js': '1' }), 'ext.zip', 'CRX_MANIFEST_INVALID'],
      ['a CRX cut off in its header', crxs['1.0']!.subarray(0, 40), 'ext.crx', 'CRX_INVALID'],
    ];
    for (const [name, bytes, fileName, code] of cases) {
      const res = await send(bytes, fileName);
      expect(res, name).toMatchObject({ status: 400, body: { error: { code } } });
    }
    expect(snapshotTree(server.outpost.config.dataDir)).toEqual(before);
  });

  it('takes a publish back when a later write fails', async () => {
    const key = rsaKey('chromium-undo');
    const id = idOf(spkiOf(key));
    // A folder where updates.xml must go makes the last write fail, after the package and record.
    mkdirSync(path.join(server.outpost.layout.documentsDir(id), 'updates.xml'), { recursive: true });
    const before = snapshotTree(server.outpost.config.dataDir);
    const res = await send(handMadeCrx(await buildExtensionZip(extensionManifest({ version: '1.0' })), { signers: [key] }), 'ext.crx');
    expect(res.status).toBe(500);
    expect(snapshotTree(server.outpost.config.dataDir)).toEqual(before);
    expect(server.outpost.chromium.answerUpdateCheck(x(id, '0.0.0.0'))).toContain('status="noupdate"');
    rmSync(server.outpost.layout.documentsDir(id), { recursive: true });
  });

  it("refuses another publisher key's token for an existing id (403)", async () => {
    const before = snapshotTree(server.outpost.config.dataDir);
    const next = handMadeCrx(await buildExtensionZip(extensionManifest({ version: '5.0' })), { signers: [developer] });
    expect(await send(next, 'ext.crx', otherToken)).toMatchObject({ status: 403, body: { error: { code: 'ADDON_OWNED_BY_OTHER_KEY' } } });
    expect(snapshotTree(server.outpost.config.dataDir)).toEqual(before);
  });

  it('`outpost key show --chromium-id` prints the id a key packs extensions under', async () => {
    const { run } = cliRunner({ OUTPOST_KEY_PASSPHRASE: 'correct horse' });
    expect((await run('key', 'create', 'k')).code).toBe(0);
    const updateKey = (await run('key', 'show', 'k')).stdout.trim();
    const shown = await run('key', 'show', 'k', '--chromium-id');
    expect(shown).toMatchObject({ code: 0, stdout: `${idOf(Buffer.from(updateKey, 'base64'))}\n` });
  });
});
