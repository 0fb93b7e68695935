/**
 * Two `outpost serve` processes on one bucket, one of them killed (SIGKILL) while publishes to one
 * add-on go through both: every publish answered 201 is in the record and in the validly signed
 * manifest in the bucket, every package it names is there with its hash, and once the killed
 * instance starts again no change is left half done. Against a real Ceph RADOS Gateway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { verifyUpdateRdf } from '../../src/manifest/update-rdf-verify.ts';
import { EM_NS } from '../../src/rdf/graph.ts';
import { parseRdfXml } from '../../src/rdf/rdf-xml-parser.ts';
import { listNames, readObject } from '../../src/storage/objects/object-bytes.ts';
import { S3Objects } from '../../src/storage/objects/s3-objects.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { newBucket, requireGateway } from '../helpers/s3-gateway.ts';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.mjs');
const ID = 'killed-shared@example.org';
const gateway = requireGateway();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

async function start(env: NodeJS.ProcessEnv): Promise<{ url: string; token?: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: mkdtempSync(path.join(tmpdir(), 'outpost-bucket-kill-')),
    env: { PATH: process.env.PATH, PORT: '0', OUTPOST_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const check = () => (/listening on http/.test(out) && (!/First start/.test(out) || /\n=+\n/.test(out)) ? resolve() : undefined);
    child.stdout!.on('data', (c: Buffer) => ((out += c), check()));
    child.stderr!.on('data', (c: Buffer) => (out += c));
    child.once('exit', () => reject(new Error(`server ended:\n${out}`)));
  });
  return { url: /listening on (http:\/\/\S+)/.exec(out)![1]!, token: /\n {2}(opt_\S+)/.exec(out)?.[1], child };
}

const killed = (child: ChildProcess) => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL')));

async function post(url: string, token: string, version: string): Promise<number> {
  const xpi = await buildXpi({ 'install.rdf': installRdf({ id: ID, version, targets: [{ id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' }] }) });
  const form = new FormData();
  form.set('package', new Blob([new Uint8Array(xpi)]), 'a.xpi');
  const res = await fetch(`${url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
  return res?.status ?? 0;
}

describe.skipIf(!gateway)('an instance killed mid-way on a shared bucket', () => {
  it('loses no acknowledged publish, and leaves nothing half done once it is back', async () => {
    const bucket = await newBucket(gateway!, 'kill');
    const env = { ...gateway!.env, OUTPOST_STORAGE: `s3://${bucket}`, OUTPOST_KEY_PASSPHRASE: 'kill test', OUTPOST_PUBLIC_URL: 'https://updates.example.org' };
    const a = await start(env);
    const b = await start(env);
    const token = a.token!;
    const acknowledged: string[] = [];
    let answered = 0;
    let killing: Promise<void> | undefined;
    const versions = Array.from({ length: 24 }, (_, i) => `4.${i}`);
    await Promise.all(
      versions.map(async (version, i) => {
        const status = await post(i % 2 ? b.url : a.url, token, version);
        if (status === 201) acknowledged.push(version);
        // B dies while publishes through it are still under way (some holding the add-on's lease).
        if (++answered === 6) killing = killed(b.child);
      }),
    );
    await killing;
    expect(acknowledged.length).toBeGreaterThanOrEqual(6);
    // A takes over the lease B left once it expires, and goes on publishing.
    expect(await post(a.url, token, '5.0')).toBe(201);
    acknowledged.push('5.0');
    // B again: its start-up finishes or takes back the change it was making when killed.
    await start(env);

    const objects = new S3Objects({ bucket, prefix: '' }, loadConfig({ ...gateway!.env }, tmpdir()).s3);
    const record = JSON.parse((await readObject(objects, `private/addons/${ID}.json`))!.toString()) as { versions: { version: string; file: string }[] };
    const stored = new Set(record.versions.map((v) => v.version));
    for (const version of acknowledged) expect(stored.has(version), version).toBe(true);
    const xml = (await readObject(objects, `public/updates/${ID}/update.rdf`))!;
    expect(verifyUpdateRdf(xml, (await readUpdateKey(objects))!, { id: ID })[0]!.ok).toBe(true);
    const graph = parseRdfXml(xml);
    const listed = new Set<string>();
    for (const subject of graph.subjects()) {
      const version = graph.literal(subject, `${EM_NS}version`);
      if (version) listed.add(version);
      const link = graph.literal(subject, `${EM_NS}updateLink`);
      if (!link) continue;
      const bytes = (await readObject(objects, `public${decodeURIComponent(new URL(link).pathname)}`))!;
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, link).toBe(graph.literal(subject, `${EM_NS}updateHash`));
    }
    expect([...listed].sort()).toEqual([...stored].sort());
    expect(await listNames(objects, 'private/intents/')).toEqual([]);
    // Every package in the public tree belongs to a version the manifest offers.
    const files = new Set(record.versions.map((v) => v.file));
    for (const name of await listNames(objects, `public/files/${ID}/`)) expect(files.has(name), name).toBe(true);
  }, 240_000);
});

/** The publisher key's updateKey, as the metadata in the bucket's private/keys/ holds it. */
async function readUpdateKey(objects: S3Objects): Promise<string | undefined> {
  const meta = await readObject(objects, 'private/keys/default.json');
  return meta ? (JSON.parse(meta.toString()) as { updateKey: string }).updateKey : undefined;
}
