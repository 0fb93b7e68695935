import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readObject, writeObject } from '../../src/storage/objects/object-bytes.ts';
import { ObjectLeases } from '../../src/storage/objects/object-leases.ts';
import { ObjectStoreError, type ObjectStore } from '../../src/storage/objects/object-store.ts';
import { errorCodeOf } from '../helpers/jami-expect.ts';
import { objectBackends } from '../helpers/object-backends.ts';
import { hookedStore } from '../helpers/object-store-hooks.ts';

/**
 * The locks instances on one bucket share (object-leases.ts), on a folder and a real gateway: never
 * two holders at once, a lease a crashed instance left is taken over once expired, and a live one
 * makes a change wait, then give up with STORAGE_BUSY. Renewal failures, lost answers and
 * fairness are driven by store hooks and an injected clock, never by how fast the machine is.
 */
const leaseKey = (name: string) => `private/locks/${createHash('sha256').update(name).digest('hex').slice(0, 40)}.json`;
const injected = (code: 'STORAGE_UNAVAILABLE' | 'STORAGE_PRECONDITION_FAILED') => new ObjectStoreError(code, `injected ${code}`);
/** A clock the test moves: expiry decisions follow it, however slow the machine. */
const clockAt = (start: number) => {
  const clock = { t: start, now: () => clock.t };
  return clock;
};
const leaseOf = async (objects: ObjectStore, name: string) => JSON.parse((await readObject(objects, leaseKey(name)))!.toString('utf8')) as { owner: string; until: number };

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

  it('keeps renewing after a failed renewal, so the task still holds its lease', { timeout: 10_000 }, async () => {
    const { objects } = await backend.open();
    let failures = 0;
    let renewed!: () => void;
    const renewedAfterFailures = new Promise<void>((resolve) => (renewed = resolve));
    const flaky = hookedStore(objects, {
      before: ({ op, options }) => {
        if (op === 'put' && options?.ifMatch && failures < 2) {
          failures++;
          throw injected('STORAGE_UNAVAILABLE');
        }
      },
      after: ({ op, options }) => {
        if (op === 'put' && options?.ifMatch && failures === 2) renewed();
      },
    });
    const clock = clockAt(1_000_000);
    await new ObjectLeases(flaky, { ttlMs: 300, now: clock.now }).hold('addon-r', async (lease) => {
      await renewedAfterFailures;
      expect(lease.stillHeld()).toBe(true);
      expect(() => lease.assertHeld()).not.toThrow();
    });
    expect(failures).toBe(2);
  });

  it('counts a lease it cannot renew as lost only at its expiry minus the margin', async () => {
    const { objects } = await backend.open();
    let failed!: () => void;
    const firstFailure = new Promise<void>((resolve) => (failed = resolve));
    const down = hookedStore(objects, {
      before: ({ op, options }) => {
        if (op === 'put' && options?.ifMatch) {
          failed();
          throw injected('STORAGE_UNAVAILABLE');
        }
      },
    });
    const clock = clockAt(1_000_000);
    await new ObjectLeases(down, { ttlMs: 300, marginMs: 50, now: clock.now }).hold('addon-l', async (lease) => {
      await firstFailure;
      clock.t += 300 - 50 - 1;
      expect(lease.stillHeld()).toBe(true);
      clock.t += 1;
      expect(lease.stillHeld()).toBe(false);
      expect(await errorCodeOf(() => lease.assertHeld(), ObjectStoreError)).toBe('STORAGE_BUSY');
    });
  });

  it('releases by marking its own lease expired, never by deleting one another instance took over', async () => {
    const { objects, attach } = await backend.open();
    await new ObjectLeases(objects).hold('addon-t', async () => {
      // Our lease expired meanwhile (a pause, a slow write) and another instance took it over.
      await writeObject(attach(), leaseKey('addon-t'), JSON.stringify({ owner: 'other', nonce: 'n', name: 'addon-t', until: Date.now() + 60_000 }));
    });
    expect(await leaseOf(objects, 'addon-t')).toMatchObject({ owner: 'other' });

    await new ObjectLeases(objects).hold('addon-u', async () => undefined);
    expect(await leaseOf(objects, 'addon-u')).toMatchObject({ until: 0 });
    // Released: free for another instance at once, without waiting.
    expect(await new ObjectLeases(attach(), { waitMs: 0 }).hold('addon-u', async () => 'next')).toBe('next');
  });

  it.each(['create', 'takeover'])('recognises its own %s whose answer was lost (an SDK retry answering 412)', async (how) => {
    const { objects } = await backend.open();
    const name = `addon-s-${how}`;
    if (how === 'takeover') await writeObject(objects, leaseKey(name), JSON.stringify({ owner: 'dead', name, until: Date.now() - 1 }));
    let lost = false;
    const retried = hookedStore(objects, {
      after: ({ op, key }) => {
        if (op === 'put' && key === leaseKey(name) && !lost) {
          lost = true; // the write happened; the retry of it is what answers
          throw injected('STORAGE_PRECONDITION_FAILED');
        }
      },
    });
    expect(await new ObjectLeases(retried, { waitMs: 0 }).hold(name, async () => 'ran')).toBe('ran');
    expect(lost).toBe(true);
  });

  it('lets a waiting instance in within two tasks of another instance with a long local queue', async () => {
    const { objects, attach } = await backend.open();
    const key = leaseKey('addon-f');
    let polls = 0;
    let polled = () => undefined as void;
    const waiterStore = hookedStore(attach(), {
      after: ({ op, key: k }) => {
        if (op === 'get' && k === key) {
          polls++;
          polled();
        }
      },
    });
    // One frozen clock for both: nothing expires and nobody gives up, whatever the machine's speed.
    const now = () => 1_000_000;
    const busy = new ObjectLeases(objects, { now });
    const waiter = new ObjectLeases(waiterStore, { now });
    let busyDone = 0;
    let waiterRanAfter: number | undefined;
    let waiterFinished = false;
    let waiting: Promise<void> | undefined;
    // Each of the busy instance's tasks ends only once the waiter has polled (and found it held).
    const nextPoll = () => {
      const seen = polls;
      return new Promise<void>((resolve) => (polled = () => (polls > seen ? resolve() : undefined)));
    };
    for (let i = 0; i < 10; i++) {
      await busy.hold('addon-f', async () => {
        const poll = nextPoll();
        // The waiter arrives while the busy instance holds the lease, in its first task.
        waiting ??= waiter.hold('addon-f', async () => void (waiterRanAfter = busyDone)).finally(() => (waiterFinished = true));
        if (!waiterFinished) await Promise.race([poll, waiting]);
        busyDone++;
      });
    }
    await waiting;
    expect(polls).toBeGreaterThan(0);
    expect(waiterRanAfter).toBeLessThanOrEqual(2);
  });
});