/**
 * A visibility change cut short by a crash, recreated step by step, then a restart: one whose
 * record was saved is finished (every package out of public/, no public document, one audit
 * entry), one whose record was not is taken back (every package served again); either way no
 * private byte stays in public/ and no package is lost.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AddonRecord } from '../../src/catalog/addon-record.ts';
import { dataKeys } from '../../src/storage/data-keys.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';

const ID = 'hidden@example.org';
const FILES = ['1.0', '1.1'].map((v) => `${ID}-${v}.xpi`);
const xpiFor = (version: string) => buildXpi({ 'install.rdf': installRdf({ id: ID, version, targets: [{ id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' }] }) });
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(dir?: string): Promise<TestServer> {
  const server = await startServer(dir ? { dir } : {});
  servers.push(server);
  return server;
}

async function restart(server: TestServer): Promise<TestServer> {
  await server.close();
  servers = servers.filter((s) => s !== server);
  return { ...(await start(server.dir)), token: server.token };
}

async function published(): Promise<{ server: TestServer; hashes: string[] }> {
  const server = await start();
  for (const v of ['1.0', '1.1']) expect((await publish(server, server.token, await xpiFor(v))).status).toBe(201);
  return { server, hashes: FILES.map((f) => sha(server.outpost.layout.filePath(ID, f))) };
}

function auditCount(server: TestServer, action: string): number {
  const file = server.outpost.layout.auditFile;
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.includes(`"action":"${action}"`)).length : 0;
}

describe('a visibility change interrupted by a crash', () => {
  it('made private with its record saved, one package moved and one copied but still public: finished at start', async () => {
    let { server, hashes } = await published();
    const { layout, catalog, journal } = server.outpost;
    const previous = catalog.get(ID)!;
    const record: AddonRecord = { ...previous, private: true, revision: previous.revision + 1, lastChange: { action: 'visibility', actor: 'token:test', details: { visibility: 'private' } } };
    await journal.begin({ id: ID, revision: record.revision, action: 'visibility' });
    await catalog.save(record);
    const hidden = (file: string) => layout.pathOf(dataKeys.feedOnly(ID, file));
    mkdirSync(path.dirname(hidden(FILES[0]!)), { recursive: true });
    renameSync(layout.filePath(ID, FILES[0]!), hidden(FILES[0]!));
    // A bucket's move is a copy then a delete: the copy made, the delete not.
    copyFileSync(layout.filePath(ID, FILES[1]!), hidden(FILES[1]!));
    server = await restart(server);
    for (const [i, file] of FILES.entries()) {
      expect(existsSync(server.outpost.layout.filePath(ID, file))).toBe(false);
      expect(sha(hidden(file))).toBe(hashes[i]);
    }
    expect(existsSync(server.outpost.layout.documentsDir(ID))).toBe(false);
    expect((await rawGet(`${server.url}/updates/${encodeURIComponent(ID)}/update.rdf`)).status).toBe(404);
    expect(auditCount(server, 'visibility')).toBe(1);
    expect(existsSync(server.outpost.layout.intentPath(ID))).toBe(false);
  });

  it('made private before its record was saved, one package already moved: taken back at start', async () => {
    let { server, hashes } = await published();
    const { layout, catalog, journal } = server.outpost;
    await journal.begin({ id: ID, revision: catalog.get(ID)!.revision + 1, action: 'visibility' });
    const hidden = layout.pathOf(dataKeys.feedOnly(ID, FILES[0]!));
    mkdirSync(path.dirname(hidden), { recursive: true });
    renameSync(layout.filePath(ID, FILES[0]!), hidden);
    server = await restart(server);
    for (const [i, file] of FILES.entries()) expect(sha(server.outpost.layout.filePath(ID, file))).toBe(hashes[i]);
    expect(existsSync(hidden)).toBe(false);
    expect(server.outpost.catalog.get(ID)!.private).toBeUndefined();
    expect((await rawGet(`${server.url}/updates/${encodeURIComponent(ID)}/update.rdf`)).status).toBe(200);
    expect(auditCount(server, 'visibility')).toBe(0);
  });

  it('made public again with its record saved, documents not yet written: finished at start', async () => {
    let { server, hashes } = await published();
    const auth = { authorization: `Bearer ${server.token}` };
    expect((await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}/visibility/private`, { method: 'POST', headers: auth })).status).toBe(200);
    const { catalog, journal } = server.outpost;
    const previous = catalog.get(ID)!;
    const { private: _p, ...rest } = previous;
    const record: AddonRecord = { ...rest, revision: previous.revision + 1, lastChange: { action: 'visibility', actor: 'token:test', details: { visibility: 'public' } } };
    await journal.begin({ id: ID, revision: record.revision, action: 'visibility' });
    await catalog.save(record);
    server = await restart(server);
    for (const [i, file] of FILES.entries()) expect(sha(server.outpost.layout.filePath(ID, file))).toBe(hashes[i]);
    expect((await rawGet(`${server.url}/updates/${encodeURIComponent(ID)}/update.rdf`)).status).toBe(200);
    expect(auditCount(server, 'visibility')).toBe(2);
  });
});
