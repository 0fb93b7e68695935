import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { listNames } from '../../src/storage/objects/object-bytes.ts';
import { checkConditionalWrites } from '../../src/storage/objects/conditional-probe.ts';
import { ObjectStoreError, type ObjectStore, type PutOptions } from '../../src/storage/objects/object-store.ts';
import { errorCodeOf } from '../helpers/jami-expect.ts';
import { objectBackends } from '../helpers/object-backends.ts';

/**
 * A bucket server checks at start that its store honours If-None-Match and If-Match: on a folder
 * and on the real gateway it does; a store that ignores them is refused before anything is served.
 */
describe.each(objectBackends('probe').map((b) => [b.name, b] as const))('the conditional-write probe on a %s', (_name, backend) => {
  it('passes, and leaves nothing behind', async () => {
    const { objects } = await backend.open();
    await checkConditionalWrites(objects);
    expect(await listNames(objects, 'private/')).toEqual([]);
  });

  it('refuses a store that ignores the conditions', async () => {
    const { objects } = await backend.open();
    const ignoring: ObjectStore = { ...objects, location: objects.location, list: (p) => objects.list(p), get: (k, r) => objects.get(k, r), head: (k) => objects.head(k), remove: (k) => objects.remove(k), adopt: (f, k, s) => objects.adopt(f, k, s), move: (a, b) => objects.move(a, b), close: () => objects.close(), put: (key: string, body: Buffer | Readable, size: number, _options?: PutOptions) => objects.put(key, body, size) };
    const failure = checkConditionalWrites(ignoring);
    expect(await errorCodeOf(failure, ObjectStoreError)).toBe('STORAGE_UNAVAILABLE');
    await expect(checkConditionalWrites(ignoring)).rejects.toThrow(/does not honour conditional writes \(a second create/);
    expect(await listNames(objects, 'private/')).toEqual([]);
  });
});
