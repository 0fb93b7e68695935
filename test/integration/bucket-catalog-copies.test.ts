import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AddonRecord } from '../../src/catalog/addon-record.ts';
import { IndexedRecordStore } from '../../src/storage/indexed-record-store.ts';
import { ObjectCatalogStore } from '../../src/storage/object-catalog-store.ts';
import { ObjectStoreError, type ObjectStore } from '../../src/storage/objects/object-store.ts';
import { errorCodeOf } from '../helpers/jami-expect.ts';
import { objectBackends } from '../helpers/object-backends.ts';
import { hookedStore } from '../helpers/object-store-hooks.ts';

/**
 * The add-on catalog of a shared deployment (OUTPOST_STORAGE=s3://…) keeps what it read in the
 * instance's data folder (catalog-mirror.ts): a restart reads from the store only the records that
 * changed while it was down, and whatever the copies say, the store decides. On a folder and on a
 * real S3 gateway.
 */
const record = (id: string, revision: number, name = id): AddonRecord =>
  ({ id, type: 'extension', name, publisherKey: 'default', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', revision, versions: [] }) as unknown as AddonRecord;

const copiesDir = () => mkdtempSync(path.join(tmpdir(), 'outpost-copies-'));

/** Opens a catalog on `objects` and tells which record objects it read to get there. */
async function openCounting(objects: ObjectStore, dir: string) {
  const reads: string[] = [];
  const counted = hookedStore(objects, { before: ({ op, key }) => void (op === 'get' && reads.push(key.replace(/^.*\//, ''))) });
  const { catalog, problems } = await ObjectCatalogStore.open(counted, { dir });
  return { catalog, problems, reads: reads.sort() };
}

const ids = (catalog: ObjectCatalogStore) => catalog.revisionList().map((r) => r.id).sort();

describe.each(objectBackends('catalog-copies').map((b) => [b.name, b] as const))('the add-on catalog of a shared deployment, on a %s', (_name, backend) => {
  it('reads at a restart only what another instance changed, added or removed meanwhile', async () => {
    const { objects, attach } = await backend.open();
    const dir = copiesDir();
    const first = await openCounting(objects, dir);
    for (const id of ['a', 'b', 'c', 'd']) await first.catalog.save(record(id, 1));
    const other = (await ObjectCatalogStore.open(attach(), { dir: copiesDir() })).catalog;
    await other.save(record('b', 2, 'B two'));
    await other.save(record('e', 1));
    await attach().remove('private/addons/c.json');

    const again = await openCounting(attach(), dir);
    expect(again.reads).toEqual(['b.json', 'e.json']);
    expect(again.problems).toEqual([]);
    expect(ids(again.catalog)).toEqual(['a', 'b', 'd', 'e']);
    expect(again.catalog.get('b')?.name).toBe('B two');
    expect(again.catalog.get('c')).toBeUndefined();
    expect(again.catalog.revision('b')).toBe(2);
    expect((await again.catalog.summaries()).map((s) => [s.id, s.name]).sort()).toEqual([['a', 'a'], ['b', 'B two'], ['d', 'd'], ['e', 'e']]);
    expect(Object.keys((await again.catalog.summaries())[0]!)).not.toContain('etag');

    // Writes stay conditional on what the copies say the store holds.
    await again.catalog.save(record('a', 2));
    await other.refresh('d');
    await other.save(record('d', 2));
    expect(await errorCodeOf(again.catalog.save(record('d', 2, 'stale')), ObjectStoreError)).toBe('STORAGE_PRECONDITION_FAILED');
  });

  it('reads a copy damaged on disk again from the store, and finds ids that differ only in case', async () => {
    const { objects, attach } = await backend.open();
    const dir = copiesDir();
    const { catalog } = await ObjectCatalogStore.open(objects, { dir });
    await catalog.save(record('MixedCase', 1));
    await catalog.save(record('plain', 1));
    writeFileSync(path.join(dir, 'addons', 'plain.json'), '{"id": "plain", "etag": ');

    const again = await openCounting(attach(), dir);
    expect(again.reads).toEqual([]);
    expect((await again.catalog.load('plain'))?.revision).toBe(1);
    expect(again.catalog.get('plain')?.revision).toBe(1);
    expect(again.catalog.idIgnoringCase('mixedcase')).toBe('MixedCase');
    expect(again.catalog.idIgnoringCase('PLAIN')).toBe('plain');

    // Without its index every copy is read again at start; a damaged one of a record the bucket
    // no longer has is removed, not left behind.
    await attach().remove('private/addons/plain.json');
    writeFileSync(path.join(dir, 'addons', 'plain.json'), 'torn');
    rmSync(path.join(dir, 'addons.index'));
    const third = await openCounting(attach(), dir);
    expect(ids(third.catalog)).toEqual(['MixedCase']);
    expect(existsSync(path.join(dir, 'addons', 'plain.json'))).toBe(false);
  });

  it('drops copies of another deployment instead of trusting them', async () => {
    const dir = copiesDir();
    const one = await backend.open();
    await (await ObjectCatalogStore.open(one.objects, { dir })).catalog.save(record('only-in-one', 1));
    const two = await backend.open();
    await (await ObjectCatalogStore.open(two.objects, { dir: copiesDir() })).catalog.save(record('only-in-two', 1));

    const opened = await openCounting(two.attach(), dir);
    expect(opened.reads).toEqual(['only-in-two.json']);
    expect(ids(opened.catalog)).toEqual(['only-in-two']);
    expect(opened.catalog.get('only-in-one')).toBeUndefined();
  });

  afterEach(() => vi.restoreAllMocks());

  it('never serves a copy whose write failed: the change stands, and the record is read again', async () => {
    const { objects } = await backend.open();
    const { catalog } = await ObjectCatalogStore.open(objects, { dir: copiesDir() });
    await catalog.save(record('r', 1));
    // The local disk refuses the copy of revision 2 (full, failing): the bucket has it all the same.
    vi.spyOn(IndexedRecordStore.prototype, 'save').mockRejectedValueOnce(new Error('injected: no space left on device'));
    await catalog.save(record('r', 2));
    expect(catalog.get('r')?.revision).not.toBe(1);
    expect(catalog.list().map((r) => r.revision)).not.toContain(1);
    expect((await catalog.load('r'))?.revision).toBe(2);
    expect(catalog.get('r')?.revision).toBe(2);
  });

  it('drops the copy of a record damaged in the store instead of serving the older one', async () => {
    const { objects, attach } = await backend.open();
    const dir = copiesDir();
    const { catalog } = await ObjectCatalogStore.open(objects, { dir });
    await catalog.save(record('d', 1));
    const garbage = Buffer.from('{"id": "d", "revision": 2, ');
    await attach().put('private/addons/d.json', garbage, garbage.length);
    await catalog.refresh('d');
    expect(catalog.get('d')).toBeUndefined();
    expect(catalog.revision('d')).toBeUndefined();
    const again = await openCounting(attach(), dir);
    expect(again.problems.map((p) => p.file)).toEqual(['d.json']);
    expect(again.catalog.get('d')).toBeUndefined();
    // Its ETag is known: a save replaces the damaged object.
    await again.catalog.save(record('d', 3));
    expect((await openCounting(attach(), copiesDir())).catalog.get('d')?.revision).toBe(3);
  });

  it('reports a damaged record in the store at every start, and a save replaces it', async () => {
    const { objects, attach } = await backend.open();
    const dir = copiesDir();
    const bytes = Buffer.from('{"id": "bad", "versions": ');
    await objects.put('private/addons/bad.json', bytes, bytes.length);
    for (let start = 0; start < 2; start++) {
      const { problems, catalog } = await openCounting(attach(), dir);
      expect(problems.map((p) => p.file)).toEqual(['bad.json']);
      expect(catalog.get('bad')).toBeUndefined();
    }
    const { catalog } = await ObjectCatalogStore.open(attach(), { dir });
    await catalog.save(record('bad', 1));
    expect((await openCounting(attach(), dir)).catalog.get('bad')?.revision).toBe(1);
  });
});
