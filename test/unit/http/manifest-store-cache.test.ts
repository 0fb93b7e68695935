import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteLru } from '../../../src/cache/byte-lru.ts';
import { StoreManifestCache } from '../../../src/http/manifest-store-cache.ts';
import type { ObjectBody, ObjectStore } from '../../../src/storage/objects/object-store.ts';

/** A store that answers `get` when told to, counting reads. */
function slowStore(objects: Map<string, string>) {
  const waiting: (() => void)[] = [];
  let reads = 0;
  const store = {
    location: 'memory',
    get: async (key: string): Promise<ObjectBody | undefined> => {
      reads++;
      await new Promise<void>((resolve) => waiting.push(resolve));
      const text = objects.get(key);
      return text === undefined ? undefined : { key, size: text.length, etag: `"${text}"`, lastModified: new Date('2026-01-01T00:00:00Z'), stream: Readable.from([Buffer.from(text)]) };
    },
  } as unknown as ObjectStore;
  return { store, release: () => waiting.splice(0).forEach((go) => go()), reads: () => reads };
}

const KEY = 'public/updates/a@example.org/update.rdf';

describe('the bucket documents of the manifest fast path', () => {
  it('reads a document once however many requests want it, and serves it with its headers', async () => {
    const { store, release, reads } = slowStore(new Map([[KEY, '<RDF/>']]));
    const cache = new StoreManifestCache(store, new ByteLru(1 << 20));
    expect(cache.resolve('/updates/a%40example.org/update.rdf')).toBe(KEY);
    expect(cache.resolve('/updates/../update.rdf')).toBeUndefined();
    const loads = Array.from({ length: 100 }, () => cache.load(KEY));
    release();
    const entries = await Promise.all(loads);
    expect(reads()).toBe(1);
    expect(new Set(entries).size).toBe(1);
    expect(entries[0]!.body.toString()).toBe('<RDF/>');
    expect(entries[0]!.ok).toEqual(expect.arrayContaining(['Content-Type', 'text/xml; charset=utf-8', 'Cache-Control', 'public, max-age=60', 'ETag', '"<RDF/>"', 'Content-Length', '6']));
    expect(cache.cached(KEY)).toBe(entries[0]);
  });

  it('trusts an entry for the bound only, and forgets it on invalidate, even one read meanwhile', async () => {
    let now = 1000;
    const objects = new Map([[KEY, 'v1']]);
    const { store, release } = slowStore(objects);
    const cache = new StoreManifestCache(store, new ByteLru(1 << 20), { ttlMs: 5000, now: () => now });
    const first = cache.load(KEY);
    release();
    await first;
    now += 4999;
    expect(cache.cached(KEY)?.body.toString()).toBe('v1');
    now += 1;
    expect(cache.cached(KEY)).toBeUndefined();

    const during = cache.load(KEY);
    objects.set(KEY, 'v2');
    cache.invalidate(KEY);
    release();
    await during;
    expect(cache.cached(KEY)).toBeUndefined();
    const after = cache.load(KEY);
    release();
    expect((await after)?.body.toString()).toBe('v2');
    cache.invalidate(KEY);
    expect(cache.cached(KEY)).toBeUndefined();
  });

  it('answers undefined for a missing document and keeps nothing', async () => {
    const { store, release } = slowStore(new Map());
    const cache = new StoreManifestCache(store, new ByteLru(1 << 20));
    const load = cache.load(KEY);
    release();
    expect(await load).toBeUndefined();
    expect(cache.cached(KEY)).toBeUndefined();
  });
});
