import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { writeObject } from '../../src/storage/objects/object-bytes.ts';
import { ObjectLeases } from '../../src/storage/objects/object-leases.ts';
import { ObjectStoreError } from '../../src/storage/objects/object-store.ts';
import { errorCodeOf } from '../helpers/jami-expect.ts';
import { objectBackends } from '../helpers/object-backends.ts';

/**
 * The locks instances on one bucket share (object-leases.ts), on a folder and a real gateway: never
 * two holders at once, a lease a crashed instance left is taken over once expired, and a live one
 * makes a change wait, then give up with STORAGE_BUSY.
 */
const leaseKey = (name: string) => `private/locks/${createHash('sha256').update(name).digest('hex').slice(0, 40)}.json`;

describe.each(objectBackends('leases').map((b) => [b.name, b] as const))('leases on a %s', (_name, backend) => {
  it('lets one holder at a time run, across two instances', async () => {
    const { objects, attach } = await backend.open();
    const instances = [new ObjectLeases(objects), new ObjectLeases(attach())];
    let inside = 0;
    let most = 0;
    const ran: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        instances[i % 2]!.hold('addon-x', async () => {
          most = Math.max(most, ++inside);
          await new Promise((resolve) => setImmediate(resolve));
          ran.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(ran.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('takes over a lease a crashed instance left, once it has expired', async () => {
    const { objects } = await backend.open();
    await writeObject(objects, leaseKey('addon-y'), JSON.stringify({ owner: 'dead', name: 'addon-y', until: Date.now() - 1 }));
    expect(await new ObjectLeases(objects).hold('addon-y', async () => 'ran')).toBe('ran');
  });

  it('makes a change wait for a live lease, then gives up with STORAGE_BUSY', async () => {
    const { objects } = await backend.open();
    await writeObject(objects, leaseKey('addon-z'), JSON.stringify({ owner: 'alive', name: 'addon-z', until: Date.now() + 60_000 }));
    let ran = false;
    const outcome = new ObjectLeases(objects, { waitMs: 200 }).hold('addon-z', async () => void (ran = true));
    expect(await errorCodeOf(outcome, ObjectStoreError)).toBe('STORAGE_BUSY');
    expect(ran).toBe(false);
  });
});
