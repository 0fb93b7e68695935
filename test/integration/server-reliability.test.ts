import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyUpdateRdf } from '../../src/manifest/update-rdf-verify.ts';
import { parseRdfXml } from '../../src/rdf/rdf-xml-parser.ts';
import { EM_NS } from '../../src/rdf/graph.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { deflatedZeros, rawZip } from '../helpers/raw-zip.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';
import { snapshotTree } from '../helpers/snapshot.ts';
import { recoverChanges } from '../../src/app/addon-changes.ts';

const FF = [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }];
const xpiFor = (id: string, version: string, extra: object = {}) =>
  buildXpi({ 'install.rdf': installRdf({ id, version, targets: FF, ...extra }), 'content/x.js': `// ${id} ${version}` });

/** Every link in a served manifest must resolve, with the hash the manifest promises. */
async function assertManifestConsistent(server: TestServer, id: string): Promise<string[]> {
  const res = await fetch(`${server.url}/updates/${encodeURIComponent(id)}/update.rdf`);
  expect(res.status).toBe(200);
  const xml = await res.text();
  expect(verifyUpdateRdf(xml, server.updateKey, { id })[0]!.ok).toBe(true);
  const graph = parseRdfXml(xml);
  const versions: string[] = [];
  for (const subject of graph.subjects()) {
    const link = graph.literal(subject, `${EM_NS}updateLink`);
    if (!link) continue;
    const body = Buffer.from(await (await fetch(link)).arrayBuffer());
    expect(`sha256:${createHash('sha256').update(body).digest('hex')}`).toBe(graph.literal(subject, `${EM_NS}updateHash`));
  }
  for (const subject of graph.subjects()) {
    const v = graph.literal(subject, `${EM_NS}version`);
    if (v) versions.push(v);
  }
  return versions;
}

describe('rejected uploads change nothing', () => {
  let server: TestServer;
  let otherToken: string;
  beforeAll(async () => {
    server = await startServer({ maxUploadMb: 1 });
    await server.outpost.keys.create('other');
    otherToken = (await server.outpost.tokens.create('other', 'second publisher')).token;
    expect((await publish(server, server.token, await xpiFor('owned@example.org', '1.0'))).status).toBe(201);
  });
  afterAll(() => server.close());

  it('answers each bad upload with a 4xx JSON error and leaves the data folder byte-for-byte unchanged', async () => {
    const foreignKey = (await server.outpost.keys.info('other')).updateKey;
    const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
      ['not a ZIP', async () => publish(server, server.token, Buffer.from('plain text, not an xpi')), 400, 'ZIP_INVALID'],
      ['zip bomb', async () => publish(server, server.token, rawZip([
        { name: 'install.rdf', data: installRdf({ id: 'bomb@example.org', version: '1', targets: FF }) },
        { name: 'zeros.bin', method: 8, payload: await deflatedZeros(300 * 1024 * 1024), uncompressedSize: 300 * 1024 * 1024, crc32: 0 },
      ])), 400, 'ZIP_BOMB'],
      ['zip-slip', async () => publish(server, server.token, rawZip([
        { name: 'install.rdf', data: installRdf({ id: 'slip@example.org', version: '1', targets: FF }) },
        { name: '../../evil.js', data: 'x' },
      ])), 400, 'ZIP_UNSAFE_PATH'],
      ['no manifest', async () => publish(server, server.token, await buildXpi({ 'readme.txt': 'hi' })), 400, 'XPI_NO_MANIFEST'],
      ['DOCTYPE in install.rdf', async () => publish(server, server.token, await buildXpi({ 'install.rdf': '<!DOCTYPE r [<!ENTITY x "y">]><r/>' })), 400, 'INSTALL_RDF_INVALID'],
      ['bad version', async () => publish(server, server.token, await xpiFor('v@example.org', '1.0/../../x')), 400, 'ADDON_VERSION_INVALID'],
      ['bad id', async () => publish(server, server.token, await xpiFor('../../etc@x', '1.0')), 400, 'ADDON_ID_INVALID'],
      ['foreign updateKey', async () => publish(server, server.token, await xpiFor('k@example.org', '1.0', { updateKey: foreignKey })), 422, 'UPDATE_KEY_MISMATCH'],
      ['too large', async () => publish(server, server.token, randomBytes(2 * 1024 * 1024)), 413, 'UPLOAD_TOO_LARGE'],
      ['no token', async () => publish(server, undefined, await xpiFor('t@example.org', '1.0')), 401, 'AUTH_REQUIRED'],
      ['bad token', async () => publish(server, 'opt_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', await xpiFor('t@example.org', '1.0')), 401, 'AUTH_INVALID'],
      ['another publisher', async () => publish(server, otherToken, await xpiFor('owned@example.org', '2.0')), 403, 'ADDON_OWNED_BY_OTHER_KEY'],
      ['changed bytes', async () => publish(server, server.token, await xpiFor('owned@example.org', '1.0', { name: 'different' })), 409, 'VERSION_EXISTS'],
      ['wrong field', async () => publish(server, server.token, await xpiFor('f@example.org', '1.0'), {}, 'file'), 400, 'UPLOAD_INVALID'],
      ['no file', async () => {
        const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: new URLSearchParams({ a: 'b' }), headers: { authorization: `Bearer ${server.token}` } });
        return { status: res.status, body: await res.json() };
      }, 400, 'PACKAGE_MISSING'],
      ['truncated multipart', async () => {
        const res = await fetch(`${server.url}/api/v1/packages`, {
          method: 'POST',
          body: '--XX\r\nContent-Disposition: form-data; name="package"; filename="a.xpi"\r\n\r\nPK\u0003\u0004abc',
          headers: { authorization: `Bearer ${server.token}`, 'content-type': 'multipart/form-data; boundary=XX' },
        });
        return { status: res.status, body: await res.json() };
      }, 400, 'UPLOAD_INVALID'],
      ['bad updateInfoURL', async () => publish(server, server.token, await xpiFor('u@example.org', '1.0'), { updateInfoURL: 'javascript:alert(1)' }), 400, 'UPDATE_INFO_URL_INVALID'],
    ];
    await server.outpost.tokens.settled();
    const before = { data: snapshotTree(server.outpost.config.dataDir), keys: snapshotTree(server.outpost.config.keysDir) };
    const manifestBefore = await (await fetch(`${server.url}/updates/owned@example.org/update.rdf`)).text();
    for (const [name, send, status, code] of cases) {
      const res = await send();
      expect({ name, status: res.status, code: res.body?.error?.code }).toEqual({ name, status, code });
      expect(typeof res.body.error.message, name).toBe('string');
    }
    // Temp files are removed before a refusal is answered: no waiting here.
    await server.outpost.tokens.settled();
    expect({ data: snapshotTree(server.outpost.config.dataDir), keys: snapshotTree(server.outpost.config.keysDir) }).toEqual(before);
    expect(await (await fetch(`${server.url}/updates/owned@example.org/update.rdf`)).text()).toBe(manifestBefore);
  });

  it('keeps the listing working when one catalog record on disk is damaged', async () => {
    const dir = server.dir;
    const damaged = path.join(server.outpost.layout.addonsDir, 'broken@example.org.json');
    writeFileSync(damaged, '{ not json');
    // A restart: one server per data folder, so the first one stops.
    await server.close();
    const restarted = await startServer({ dir, maxUploadMb: 1 });
    try {
      const res = await fetch(`${restarted.url}/api/v1/addons`, { headers: { authorization: `Bearer ${server.token}` } });
      expect(res.status).toBe(200);
      expect((await res.json()).addons.map((a: { id: string }) => a.id)).toEqual(['owned@example.org']);
    } finally {
      await restarted.close();
    }
  });
});

describe('concurrency and crash safety', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('lands all of 20 concurrent publishes of one add-on in its manifest', async () => {
    const id = 'busy@example.org';
    const xpis = await Promise.all(Array.from({ length: 20 }, (_, i) => xpiFor(id, `2.${i}`)));
    const results = await Promise.all(xpis.map((x) => publish(server, server.token, x)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const versions = await assertManifestConsistent(server, id);
    expect(versions).toHaveLength(20);
    expect(versions[0]).toBe('2.19');
  });

  it('undoes a publish whose manifest write fails: nothing served changes', async () => {
    const id = 'fragile@example.org';
    expect((await publish(server, server.token, await xpiFor(id, '1.0'))).status).toBe(201);
    const before = snapshotTree(server.outpost.config.dataDir);
    const manifests = server.outpost.manifests;
    const original = manifests.write.bind(manifests);
    // The disk is full for the new documents; the undo's rewrite of the old ones goes through.
    let failures = 1;
    manifests.write = async (...args) => {
      if (failures-- > 0) throw Object.assign(new Error('disk full (injected)'), { code: 'ENOSPC' });
      return original(...args);
    };
    try {
      const res = await publish(server, server.token, await xpiFor(id, '1.1'));
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('INTERNAL');
      expect(JSON.stringify(res.body)).not.toContain('disk full');
    } finally {
      manifests.write = original;
    }
    expect(snapshotTree(server.outpost.config.dataDir)).toEqual(before);
    expect(await assertManifestConsistent(server, id)).toEqual(['1.0']);
  });

  it('leaves an intent when even the undo fails, and recovery then restores the previous state', async () => {
    const id = 'very-fragile@example.org';
    expect((await publish(server, server.token, await xpiFor(id, '1.0'))).status).toBe(201);
    const before = snapshotTree(server.outpost.config.dataDir);
    const manifests = server.outpost.manifests;
    const original = manifests.write.bind(manifests);
    manifests.write = async () => {
      throw Object.assign(new Error('disk full (injected)'), { code: 'ENOSPC' });
    };
    try {
      expect((await publish(server, server.token, await xpiFor(id, '1.1'))).status).toBe(500);
    } finally {
      manifests.write = original;
    }
    expect(existsSync(server.outpost.layout.intentPath(id))).toBe(true);
    const { undone } = await recoverChanges({ ...server.outpost }, server.outpost.lock);
    expect(undone).toEqual([id]);
    expect(snapshotTree(server.outpost.config.dataDir)).toEqual(before);
    expect(await assertManifestConsistent(server, id)).toEqual(['1.0']);
  });

  it('rebuilds a manifest left behind by a crash between the record and the manifest write', async () => {
    const id = 'crashy@example.org';
    expect((await publish(server, server.token, await xpiFor(id, '1.0'))).status).toBe(201);
    const staleManifest = readFileSync(server.outpost.layout.manifestPath(id));
    const renderedBefore = server.outpost.catalog.revision(id)!;
    expect((await publish(server, server.token, await xpiFor(id, '1.1'))).status).toBe(201);
    // Put the served manifest back to what it was before the second publish: exactly the state
    // a crash right after the catalog write leaves (file and record new, manifest old).
    writeFileSync(server.outpost.layout.manifestPath(id), staleManifest);
    await server.outpost.manifests.markRendered({ id, revision: renderedBefore });
    expect(await assertManifestConsistent(server, id)).toEqual(['1.0']);
    await server.close();
    const restarted = await startServer({ dir: server.dir });
    try {
      expect(await assertManifestConsistent(restarted, id)).toEqual(['1.1', '1.0']);
    } finally {
      await restarted.close();
    }
  });
});
