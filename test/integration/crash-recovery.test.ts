/**
 * What a crash leaves behind, recreated step by step, then a restart: every change whose record was
 * saved is finished (documents, files, exactly one audit entry), every other one is taken back, and
 * no temp file survives.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AddonRecord } from '../../src/catalog/addon-record.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';

const ID = 'crash@example.org';
const xpiFor = (version: string) =>
  buildXpi({ 'install.rdf': installRdf({ id: ID, version, name: 'Crash', targets: [{ id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' }] }) });

let servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(dir?: string, env?: NodeJS.ProcessEnv): Promise<TestServer> {
  const server = await startServer({ ...(dir ? { dir } : {}), ...(env ? { env } : {}) });
  servers.push(server);
  return server;
}

/** Stops and starts on the same folders; the first start's token stays valid (later starts print none). */
async function restart(server: TestServer, env?: NodeJS.ProcessEnv): Promise<TestServer> {
  await server.close();
  servers = servers.filter((s) => s !== server);
  return { ...(await start(server.dir, env)), token: server.token };
}

function auditEntries(server: TestServer, action: string): { target: string; revision: number }[] {
  const file = server.outpost.layout.auditFile;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.action === action);
}

async function servedVersions(server: TestServer): Promise<string[]> {
  const json = await (await fetch(`${server.url}/updates/${ID}/update.json`)).json();
  return json.addons[ID].updates.map((u: { version: string }) => u.version).sort();
}

/** A publish of 1.1 stopped after `step`, written by hand exactly as commitChange writes it. */
async function publishInterrupted(server: TestServer, step: 'file' | 'record' | 'documents' | 'audit'): Promise<void> {
  const { layout, catalog, journal, manifests, audit } = server.outpost;
  const previous = catalog.get(ID)!;
  const file = `${ID}-1.1.xpi`;
  const bytes = await xpiFor('1.1');
  const record: AddonRecord = {
    ...previous,
    revision: previous.revision + 1,
    versions: [...previous.versions, { ...previous.versions[0]!, version: '1.1', file, size: bytes.length, sha256: '0'.repeat(64) }],
    lastChange: { action: 'publish', actor: 'token:test', details: { version: '1.1' } },
  };
  await journal.begin({ id: ID, revision: record.revision, action: 'publish', file });
  writeFileSync(layout.filePath(ID, file), bytes);
  if (step === 'file') return;
  await catalog.save(record);
  if (step === 'record') return;
  await manifests.write(record, await manifests.render(record));
  if (step === 'documents') return;
  await audit.record({ actor: 'token:test', action: 'publish', target: ID, revision: record.revision, details: { version: '1.1' } });
}

describe('crash recovery at start', () => {
  it.each(['record', 'documents', 'audit'] as const)('finishes a publish whose record was saved (stopped after %s)', async (step) => {
    let server = await start();
    expect((await publish(server, server.token, await xpiFor('1.0'))).status).toBe(201);
    await publishInterrupted(server, step);
    server = await restart(server);
    expect(await servedVersions(server)).toEqual(['1.0', '1.1']);
    expect(existsSync(server.outpost.layout.intentPath(ID))).toBe(false);
    // One entry per acknowledged change, never two, whatever step the crash hit.
    expect(auditEntries(server, 'publish').map((e) => e.revision)).toEqual([1, 2]);
    expect((await server.outpost.manifests.renderedRevisions(server.outpost.catalog)).get(ID)).toBe(2);
  });

  it('takes back a publish whose record was never saved: its package leaves the public tree', async () => {
    let server = await start();
    expect((await publish(server, server.token, await xpiFor('1.0'))).status).toBe(201);
    await publishInterrupted(server, 'file');
    server = await restart(server);
    expect(existsSync(server.outpost.layout.filePath(ID, `${ID}-1.1.xpi`))).toBe(false);
    expect(await servedVersions(server)).toEqual(['1.0']);
    expect(auditEntries(server, 'publish')).toHaveLength(1);
    // The client's retry then publishes normally.
    expect((await publish(server, server.token, await xpiFor('1.1'))).status).toBe(201);
  });

  it('finishes a withdraw stopped before its file left the public tree; a retried DELETE succeeds', async () => {
    let server = await start();
    expect((await publish(server, server.token, await xpiFor('1.0'))).status).toBe(201);
    expect((await publish(server, server.token, await xpiFor('1.1'))).status).toBe(201);
    const { layout, catalog, journal, manifests } = server.outpost;
    const previous = catalog.get(ID)!;
    const record: AddonRecord = {
      ...previous,
      revision: previous.revision + 1,
      versions: previous.versions.map((v) => (v.version === '1.0' ? { ...v, withdrawnAt: new Date().toISOString() } : v)),
      lastChange: { action: 'withdraw', actor: 'token:test', details: { version: '1.0' } },
    };
    await journal.begin({ id: ID, revision: record.revision, action: 'withdraw' });
    await catalog.save(record);
    await manifests.write(record, await manifests.render(record));
    const file = layout.filePath(ID, `${ID}-1.0.xpi`);
    expect(existsSync(file)).toBe(true);
    server = await restart(server);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(server.outpost.layout.withdrawnPath(ID, `${ID}-1.0.xpi`))).toBe(true);
    expect(await servedVersions(server)).toEqual(['1.1']);
    expect(auditEntries(server, 'withdraw')).toHaveLength(1);
    const retry = await fetch(`${server.url}/api/v1/addons/${ID}/versions/1.0`, { method: 'DELETE', headers: { authorization: `Bearer ${server.token}` } });
    expect(retry.status).toBe(200);
    expect(auditEntries(server, 'withdraw')).toHaveLength(1);
  });

  it('takes back a restore stopped before its record was saved: the file goes aside again', async () => {
    let server = await start();
    const auth = { authorization: `Bearer ${server.token}` };
    expect((await publish(server, server.token, await xpiFor('1.0'))).status).toBe(201);
    expect((await publish(server, server.token, await xpiFor('1.1'))).status).toBe(201);
    expect((await fetch(`${server.url}/api/v1/addons/${ID}/versions/1.0`, { method: 'DELETE', headers: auth })).status).toBe(200);
    const { layout, catalog, journal } = server.outpost;
    await journal.begin({ id: ID, revision: catalog.get(ID)!.revision + 1, action: 'restore' });
    mkdirSync(path.dirname(layout.filePath(ID, 'x')), { recursive: true });
    renameSync(layout.withdrawnPath(ID, `${ID}-1.0.xpi`), layout.filePath(ID, `${ID}-1.0.xpi`));
    server = await restart(server);
    expect(existsSync(server.outpost.layout.filePath(ID, `${ID}-1.0.xpi`))).toBe(false);
    expect(await servedVersions(server)).toEqual(['1.1']);
  });

  it('restores a withdrawn version over the API: served again, audited, idempotent', async () => {
    const server = await start();
    const auth = { authorization: `Bearer ${server.token}` };
    expect((await publish(server, server.token, await xpiFor('1.0'))).status).toBe(201);
    expect((await fetch(`${server.url}/api/v1/addons/${ID}/versions/1.0`, { method: 'DELETE', headers: auth })).status).toBe(200);
    expect(await servedVersions(server)).toEqual([]);
    const restored = await fetch(`${server.url}/api/v1/addons/${ID}/versions/1.0/restore`, { method: 'POST', headers: auth });
    expect(restored.status).toBe(200);
    expect(await servedVersions(server)).toEqual(['1.0']);
    expect((await fetch(`${server.url}/files/${ID}/${ID}-1.0.xpi`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/addons/${ID}/versions/1.0/restore`, { method: 'POST', headers: auth })).status).toBe(200);
    expect(auditEntries(server, 'restore')).toHaveLength(1);
  });

  it('removes staged uploads and atomic-write temp files left by a crash', async () => {
    let server = await start();
    expect((await publish(server, server.token, await xpiFor('1.0'))).status).toBe(201);
    const { layout } = server.outpost;
    const leftovers = [
      path.join(layout.tmpDir, 'upload-0123456789abcdef01234567'),
      path.join(layout.addonsDir, `.${ID}.json.0a1b2c3d4e5f.tmp`),
      path.join(layout.privateDir, '.rendered.log.0a1b2c3d4e5f.tmp'),
      path.join(layout.privateDir, '.tokens.json.0a1b2c3d4e5f.tmp'),
      // Sessions and sign-in counts: written through the folder object store, and its lock files.
      path.join(layout.privateDir, 'sessions', `.${'ab'.repeat(32)}.json.0a1b2c3d4e5f.tmp`),
      path.join(layout.privateDir, 'throttles', 'accounts', `.1-${'cd'.repeat(32)}.json.lock.tmp`),
    ];
    for (const file of leftovers) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, 'partial');
    }
    // A document temp file only where a change was under way.
    await server.outpost.journal.begin({ id: ID, revision: server.outpost.catalog.get(ID)!.revision, action: 'edit-range' });
    const docTemp = path.join(layout.documentsDir(ID), '.update.rdf.0a1b2c3d4e5f.tmp');
    writeFileSync(docTemp, 'partial');
    server = await restart(server);
    for (const file of [...leftovers, docTemp]) expect(existsSync(file), file).toBe(false);
  });

  it('moves rendered marks from a folder of files (older data folders) into one log, rebuilding nothing', async () => {
    // One public URL for both starts: a new one would re-render everything anyway.
    const fixed = { OUTPOST_PUBLIC_URL: 'https://updates.example.org' };
    let server = await start(undefined, fixed);
    expect((await publish(server, server.token, await xpiFor('1.0'))).status).toBe(201);
    const { layout } = server.outpost;
    rmSync(layout.renderedLog);
    mkdirSync(layout.renderedDir);
    writeFileSync(path.join(layout.renderedDir, ID), '1\n');
    const documentTime = statSync(layout.manifestPath(ID)).mtimeMs;
    server = await restart(server, fixed);
    expect(existsSync(layout.renderedDir)).toBe(false);
    expect(readFileSync(layout.renderedLog, 'utf8')).toBe(`${ID}\t1\n`);
    expect(statSync(layout.manifestPath(ID)).mtimeMs).toBe(documentTime);
  });

  it('re-renders every document when the public URL changes', async () => {
    let server = await start();
    expect((await publish(server, server.token, await xpiFor('1.0'))).status).toBe(201);
    const dir = server.dir;
    const old = readFileSync(server.outpost.layout.manifestPath(ID), 'utf8');
    expect(old).toContain(server.url);
    server = await restart(server, { OUTPOST_PUBLIC_URL: 'https://updates.example.org' });
    expect(server.dir).toBe(dir);
    const renewed = readFileSync(server.outpost.layout.manifestPath(ID), 'utf8');
    expect(renewed).toContain('https://updates.example.org/files/');
    expect(renewed).not.toContain('127.0.0.1');
  });
});
