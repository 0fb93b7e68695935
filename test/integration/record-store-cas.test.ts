import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { JsonRecordStore } from '../../src/storage/json-record-store.ts';
import { writeObject } from '../../src/storage/objects/object-bytes.ts';
import { FolderObjects } from '../../src/storage/objects/folder-objects.ts';
import { ObjectStoreError, type ObjectStore } from '../../src/storage/objects/object-store.ts';
import { S3Objects } from '../../src/storage/objects/s3-objects.ts';
import { errorCodeOf } from '../helpers/jami-expect.ts';
import { newBucket, requireGateway } from '../helpers/s3-gateway.ts';

/**
 * JSON records (Jami plugins, Chromium extensions, VPN add-ons, collections) as two processes on
 * one deployment see them: every write is conditional on what that process last read or wrote, so
 * neither overwrites the other's change unseen. Same cases on a folder and on a real S3 gateway.
 */
const gateway = requireGateway();

interface Item {
  id: string;
  n: number;
}
const isItem = (v: unknown): v is Item => typeof (v as Item)?.id === 'string' && typeof (v as Item).n === 'number';

class ItemStore extends JsonRecordStore<Item> {
  static async open(objects: ObjectStore) {
    const store = new ItemStore(objects, 'private/items/');
    return { store, problems: await store.loadAll(isItem) };
  }
}

const backends: [string, () => Promise<() => ObjectStore>][] = [
  ['folder', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'outpost-records-'));
    return () => new FolderObjects(root);
  }],
];
async function bucket(): Promise<() => ObjectStore> {
  const name = await newBucket(gateway!, 'records');
  const s3 = loadConfig({ ...gateway!.env }, tmpdir()).s3;
  return () => new S3Objects({ bucket: name, prefix: '' }, s3);
}
if (gateway) backends.push(['s3', bucket]);

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'no error', (err: unknown) => errorCodeOf(Promise.reject(err), ObjectStoreError));

describe.each(backends)('JSON records on a %s, two processes', (_name, deployment) => {
  it('refuses a write over a change the writer has not seen, and takes it once reloaded', async () => {
    const connect = await deployment();
    const a = (await ItemStore.open(connect())).store;
    await a.save({ id: 'x', n: 1 });
    const b = (await ItemStore.open(connect())).store;
    expect(b.get('x')).toEqual({ id: 'x', n: 1 });
    await a.save({ id: 'x', n: 2 });
    expect(await codeOf(b.save({ id: 'x', n: 3 }))).toBe('STORAGE_PRECONDITION_FAILED');
    const again = (await ItemStore.open(connect())).store;
    expect(again.get('x')).toEqual({ id: 'x', n: 2 });
    await again.save({ id: 'x', n: 3 });
    expect((await ItemStore.open(connect())).store.get('x')).toEqual({ id: 'x', n: 3 });
  });

  it('lets exactly one of two processes create a new id', async () => {
    const connect = await deployment();
    const [a, b] = [(await ItemStore.open(connect())).store, (await ItemStore.open(connect())).store];
    const results = await Promise.all([codeOf(a.save({ id: 'new', n: 1 })), codeOf(b.save({ id: 'new', n: 2 }))]);
    expect(results.sort()).toEqual(['STORAGE_PRECONDITION_FAILED', 'no error']);
  });

  it('reports a damaged record, leaves it out, and lets a save replace it', async () => {
    const connect = await deployment();
    const objects = connect();
    await writeObject(objects, 'private/items/bad.json', '{"id": "bad", "n": ');
    await writeObject(objects, 'private/items/other.json', '{"id": "not-other", "n": 1}');
    const { store, problems } = await ItemStore.open(objects);
    expect(problems.map((p) => p.file).sort()).toEqual(['bad.json', 'other.json']);
    expect(store.list()).toEqual([]);
    await store.save({ id: 'bad', n: 1 });
    expect((await ItemStore.open(connect())).store.get('bad')).toEqual({ id: 'bad', n: 1 });
  });

  it('restores a new record by removing it, so the id is free again for anyone', async () => {
    const connect = await deployment();
    const a = (await ItemStore.open(connect())).store;
    await a.save({ id: 'gone', n: 1 });
    await a.restore('gone', undefined);
    expect(a.get('gone')).toBeUndefined();
    const b = (await ItemStore.open(connect())).store;
    await b.save({ id: 'gone', n: 2 });
    expect((await ItemStore.open(connect())).store.get('gone')).toEqual({ id: 'gone', n: 2 });
  });
});

describe.skipIf(!gateway)('JSON records on a bucket, ten processes', () => {
  it('lets exactly one of ten processes create a new id', async () => {
    const connect = await bucket();
    const stores = await Promise.all(Array.from({ length: 10 }, async () => (await ItemStore.open(connect())).store));
    const results = await Promise.all(stores.map((s, n) => codeOf(s.save({ id: 'new', n }))));
    expect(results.filter((r) => r === 'no error')).toHaveLength(1);
    expect(results.filter((r) => r === 'STORAGE_PRECONDITION_FAILED')).toHaveLength(9);
  });
});
