import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EM_NS } from '../../src/rdf/graph.ts';
import { verifyUpdateRdf } from '../../src/manifest/update-rdf-verify.ts';
import { parseRdfXml } from '../../src/rdf/rdf-xml-parser.ts';
import type { AddonRecord } from '../../src/catalog/addon-record.ts';
import { SYNC } from '../../src/limits.ts';
import { dataKeys } from '../../src/storage/data-keys.ts';
import { readObject, writeObject } from '../../src/storage/objects/object-bytes.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';

/**
 * Several `outpost serve` instances on one bucket (OUTPOST_STORAGE): publishes to one add-on made
 * through both at once all land, in one validly signed manifest, and each instance follows the
 * other's changes through the change feed. Against a real Ceph RADOS Gateway.
 */
const gateway = requireGateway();
const ID = 'shared@example.org';
const FF = [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }];
const xpiFor = (version: string, id = ID) => buildXpi({ 'install.rdf': installRdf({ id, version, targets: FF }), 'content/x.js': `// ${version}` });

describe.skipIf(!gateway)('two instances on one bucket', () => {
  let a: TestServer;
  let b: TestServer;
  const start = (bucket: string) => {
    const env = {
      ...gateway!.env,
      OUTPOST_STORAGE: `s3://${bucket}/deploy`,
      // One public URL for both, as behind one load balancer: documents must not depend on who rendered them.
      OUTPOST_PUBLIC_URL: 'https://updates.example.org',
    };
    return startServer({ dir: mkdtempSync(path.join(tmpdir(), 'outpost-instance-')), env });
  };

  beforeAll(async () => {
    const bucket = await newBucket(gateway!, 'instances');
    a = await start(bucket);
    // The second start finds the keys, token and admin the first one created in the bucket.
    b = await start(bucket);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('shares keys and tokens: the second instance created none of its own', async () => {
    expect(b.firstRun).toEqual({});
    expect((await b.outpost.keys.list()).map((k) => k.name)).toEqual((await a.outpost.keys.list()).map((k) => k.name));
    expect(b.updateKey).toBe(a.updateKey);
  });

  it('sees a publish made on the other instance once it polls the change feed', async () => {
    expect((await publish(a, a.token, await xpiFor('1.0'))).status).toBe(201);
    expect(b.outpost.catalog.get(ID)).toBeUndefined();
    await b.outpost.sync!.poll();
    expect(b.outpost.catalog.get(ID)?.versions.map((v) => v.version)).toEqual(['1.0']);
  });

  it('lands 100 publishes split across both at once: 100 versions, one valid signed manifest', async () => {
    const versions = Array.from({ length: 100 }, (_, i) => `2.${i}`);
    const packages = await Promise.all(versions.map((v) => xpiFor(v)));
    const answers = await Promise.all(packages.map((xpi, i) => publish(i % 2 ? b : a, a.token, xpi)));
    expect(answers.map((r) => r.status)).toEqual(versions.map(() => 201));

    // What clients get is what the bucket holds: check it there, as nginx would serve it.
    const xml = (await readObject(a.outpost.objects, `public/updates/${ID}/update.rdf`))!;
    expect(verifyUpdateRdf(xml, a.updateKey, { id: ID })[0]!.ok).toBe(true);
    const graph = parseRdfXml(xml.toString('utf8'));
    const listed: string[] = [];
    const hashes = new Map<string, string>();
    for (const subject of graph.subjects()) {
      const version = graph.literal(subject, `${EM_NS}version`);
      if (version) listed.push(version);
      const link = graph.literal(subject, `${EM_NS}updateLink`);
      if (link) hashes.set(decodeURIComponent(new URL(link).pathname), graph.literal(subject, `${EM_NS}updateHash`)!);
    }
    expect(listed.sort()).toEqual(['1.0', ...versions].sort());
    expect(hashes.size).toBe(101);
    // Every package the manifest names is in the bucket with the hash it promises.
    for (const [file, hash] of hashes) {
      const bytes = (await readObject(a.outpost.objects, `public${file}`))!;
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, file).toBe(hash);
    }
    await a.outpost.sync!.poll();
    await b.outpost.sync!.poll();
    expect(a.outpost.catalog.get(ID)?.versions).toHaveLength(101);
    expect(b.outpost.catalog.get(ID)?.versions).toHaveLength(101);
  }, 300_000);

  it('finishes or takes back a change another instance left half-done, without a restart', async () => {
    const id = 'left@example.org';
    expect((await publish(a, a.token, await xpiFor('1.0', id))).status).toBe(201);
    const { journal, catalog, objects } = a.outpost;
    /** What a publish of `version` on a had written when a crashed (no lease involved: a is "gone"). */
    const leaveHalfDone = async (version: string, saved: boolean) => {
      const previous = catalog.get(id)!;
      const bytes = await xpiFor(version, id);
      const file = `${id}-${version}.xpi`;
      const record: AddonRecord = {
        ...previous,
        revision: previous.revision + 1,
        versions: [...previous.versions, { ...previous.versions[0]!, version, file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }],
        lastChange: { action: 'publish', actor: 'token:test', details: { version } },
      };
      await journal.begin({ id, revision: record.revision, action: 'publish', file });
      await writeObject(objects, dataKeys.file(id, file), bytes);
      if (saved) await catalog.save(record);
      return file;
    };
    const stale = () => Date.now() + SYNC.staleIntentMs + 5_000;

    const undone = await leaveHalfDone('1.1', false);
    // An intent younger than a lease's ttl may be a change still running elsewhere: left alone.
    await b.outpost.sync!.resync(Date.now());
    expect(await readObject(objects, dataKeys.intent(id))).toBeDefined();
    await b.outpost.sync!.resync(stale());
    expect(await readObject(objects, dataKeys.intent(id))).toBeUndefined();
    expect(await readObject(objects, dataKeys.file(id, undone))).toBeUndefined();

    await leaveHalfDone('1.2', true);
    await b.outpost.sync!.resync(stale());
    expect(await readObject(objects, dataKeys.intent(id))).toBeUndefined();
    const rdf = (await readObject(objects, `public/updates/${id}/update.rdf`))!.toString('utf8');
    expect(rdf).toContain('1.2');
    expect(rdf).not.toContain('1.1');
  });

  it('refuses an id differing only in case from one the other instance has just created', async () => {
    expect((await publish(a, a.token, await xpiFor('1.0', 'Twin@example.org'))).status).toBe(201);
    // b has not polled the feed: it learns of the twin under the case-folded lease.
    const twin = await publish(b, a.token, await xpiFor('1.0', 'twin@example.org'));
    expect([twin.status, twin.body.error?.code]).toEqual([409, 'ADDON_ID_CASE_CONFLICT']);
    expect(await readObject(a.outpost.objects, 'private/addons/twin@example.org.json')).toBeUndefined();
  });

  it('lets only one of two ids differing in case created on both instances at once be created', async () => {
    const answers = await Promise.all([
      publish(a, a.token, await xpiFor('1.0', 'Both@example.org')),
      publish(b, a.token, await xpiFor('1.0', 'both@example.org')),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(answers.find((r) => r.status === 409)!.body.error.code).toBe('ADDON_ID_CASE_CONFLICT');
    const stored = [];
    for (const id of ['Both@example.org', 'both@example.org']) if (await readObject(a.outpost.objects, `private/addons/${id}.json`)) stored.push(id);
    expect(stored).toHaveLength(1);
  });
});

describe.skipIf(!gateway)('two instances starting at once on an empty bucket', () => {
  it('both start, on one publisher key and one admin', async () => {
    const bucket = await newBucket(gateway!, 'first-run');
    const env = { ...gateway!.env, OUTPOST_STORAGE: `s3://${bucket}`, OUTPOST_PUBLIC_URL: 'https://updates.example.org' };
    const [a, b] = await Promise.all([0, 1].map(() => startServer({ dir: mkdtempSync(path.join(tmpdir(), 'outpost-first-')), env })));
    try {
      expect((await a!.outpost.keys.list()).map((k) => k.name)).toEqual(['default']);
      expect(b!.updateKey).toBe(a!.updateKey);
      expect((await a!.outpost.admins.list()).map((u) => u.username)).toEqual(['admin']);
      // Whichever tokens the two starts printed, each works on both instances.
      for (const token of [a!.firstRun.token, b!.firstRun.token].filter((t): t is string => Boolean(t))) {
        for (const server of [a!, b!]) expect((await fetch(`${server.url}/api/v1/addons`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      }
    } finally {
      await a!.close();
      await b!.close();
    }
  }, 60_000);
});
