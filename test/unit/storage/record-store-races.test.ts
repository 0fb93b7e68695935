import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonRecordStore } from '../../../src/storage/json-record-store.ts';
import { writeObject } from '../../../src/storage/objects/object-bytes.ts';
import { FolderObjects } from '../../../src/storage/objects/folder-objects.ts';
import { ObjectStoreError, type ObjectStore } from '../../../src/storage/objects/object-store.ts';
import { errorCodeOf } from '../../helpers/jami-expect.ts';
import { hookedStore, type StoreCall } from '../../helpers/object-store-hooks.ts';

/**
 * JSON records against the interleavings several instances produce, forced with store hooks (no
 * timing): a failed read under a lock, a background read racing a local save, a refused save
 * taken back, a write whose answer was lost.
 */
interface Item {
  id: string;
  n: number;
}
const isItem = (v: unknown): v is Item => typeof (v as Item)?.id === 'string' && typeof (v as Item).n === 'number';

class Items extends JsonRecordStore<Item> {
  static async open(objects: ObjectStore): Promise<Items> {
    const store = new Items(objects, 'private/items/');
    await store.loadAll(isItem);
    return store;
  }
}

const folder = () => new FolderObjects(mkdtempSync(path.join(tmpdir(), 'outpost-races-')));
const codeOf = (p: Promise<unknown>) => p.then(() => 'no error', (err: unknown) => errorCodeOf(Promise.reject(err), ObjectStoreError));
const unavailable = () => new ObjectStoreError('STORAGE_UNAVAILABLE', 'the gateway did not answer (injected)');

describe('JSON records when reads and writes interleave', () => {
  it('fails a strict refresh whose read failed, where a background one keeps what memory holds', async () => {
    const inner = folder();
    let failGets = false;
    const failing = (c: StoreCall) => {
      if (failGets && c.op === 'get') throw unavailable();
    };
    const store = await Items.open(hookedStore(inner, { before: failing }));
    await store.save({ id: 'x', n: 1 });
    failGets = true;
    expect(await store.refresh('x')).toEqual({ id: 'x', n: 1 });
    expect(await codeOf(store.refresh('x', { strict: true }))).toBe('STORAGE_UNAVAILABLE');
  });

  it('never lets a background read begun before a local save put the older record back', async () => {
    const inner = folder();
    let hold: ((call: StoreCall) => Promise<void>) | undefined;
    const store = await Items.open(hookedStore(inner, { after: (c) => hold?.(c) }));
    await store.save({ id: 'x', n: 1 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const readDone = new Promise<void>((resolve) => (reached = resolve));
    // The background read has its bytes (n: 1) but has not come back yet…
    hold = async (c) => {
      if (c.op !== 'get') return;
      hold = undefined;
      reached();
      await released;
    };
    const background = store.refresh('x');
    await readDone;
    // …when a publish here saves n: 2.
    await store.save({ id: 'x', n: 2 });
    release();
    await background;
    expect(store.get('x')).toEqual({ id: 'x', n: 2 });
    await store.save({ id: 'x', n: 3 }); // memory still holds the right ETag: no 409
    expect((await Items.open(inner)).get('x')).toEqual({ id: 'x', n: 3 });
  });

  it('never lets a read begun while a local save was being written put the older record back', async () => {
    const inner = folder();
    let hooks: { before?: (c: StoreCall) => Promise<void>; after?: (c: StoreCall) => Promise<void> } = {};
    const store = await Items.open(hookedStore(inner, { before: (c) => hooks.before?.(c), after: (c) => hooks.after?.(c) }));
    await store.save({ id: 'x', n: 1 });
    let readHasOld!: () => void;
    const oldRead = new Promise<void>((resolve) => (readHasOld = resolve));
    let saveDone!: () => void;
    const saved = new Promise<void>((resolve) => (saveDone = resolve));
    hooks = {
      // The save's write waits until the read has the old bytes…
      before: async (c) => void (c.op === 'put' && (await oldRead)),
      // …and the read comes back only after the save has finished.
      after: async (c) => {
        if (c.op !== 'get') return;
        readHasOld();
        await saved;
      },
    };
    const saving = store.save({ id: 'x', n: 2 });
    const background = store.refresh('x');
    await saving;
    hooks = {};
    saveDone();
    await background;
    expect(store.get('x')).toEqual({ id: 'x', n: 2 });
    await store.save({ id: 'x', n: 3 });
    expect((await Items.open(inner)).get('x')).toEqual({ id: 'x', n: 3 });
  });

  it('takes back a refused first save without removing the record another process saved', async () => {
    const inner = folder();
    const mine = await Items.open(inner);
    const theirs = await Items.open(new FolderObjects(inner.location));
    await theirs.save({ id: 'x', n: 7 });
    expect(await codeOf(mine.save({ id: 'x', n: 1 }))).toBe('STORAGE_PRECONDITION_FAILED');
    await mine.restore('x', undefined);
    expect(mine.get('x')).toEqual({ id: 'x', n: 7 });
    expect((await Items.open(inner)).get('x')).toEqual({ id: 'x', n: 7 });
  });

  it('counts a conditional write whose answer was lost (the retry saw 412) as its own', async () => {
    const inner = folder();
    let loseAnswer = false;
    const store = await Items.open(
      hookedStore(inner, {
        after: (c) => {
          if (loseAnswer && c.op === 'put') {
            loseAnswer = false;
            throw new ObjectStoreError('STORAGE_PRECONDITION_FAILED', 'the retry of a write that had landed (injected)');
          }
        },
      }),
    );
    await store.save({ id: 'x', n: 1 });
    loseAnswer = true;
    await store.save({ id: 'x', n: 2 });
    await store.save({ id: 'x', n: 3 });
    expect((await Items.open(inner)).get('x')).toEqual({ id: 'x', n: 3 });
  });
});

describe('FolderObjects, modes and strays', () => {
  it('writes 0644 public and 0600 private objects whatever the umask', async () => {
    const store = folder();
    const before = process.umask(0o077);
    try {
      await writeObject(store, 'public/updates/a/update.rdf', '<RDF/>');
      await writeObject(store, 'private/addons/a.json', '{}');
    } finally {
      process.umask(before);
    }
    expect(statSync(path.join(store.location, 'public/updates/a/update.rdf')).mode & 0o777).toBe(0o644);
    expect(statSync(path.join(store.location, 'private/addons/a.json')).mode & 0o777).toBe(0o600);
  });

  it('lists around a stray file Outpost never writes, instead of failing the folder', async () => {
    const store = folder();
    await writeObject(store, 'public/updates/a/update.rdf', 'x');
    writeFileSync(path.join(store.location, 'public/updates/a/update copy.rdf'), 'stray');
    const keys: string[] = [];
    for await (const o of store.list('public/updates/a/')) keys.push(o.key);
    expect(keys).toEqual(['public/updates/a/update.rdf']);
  });
});
