import { describe, expect, it } from 'vitest';
import { LocalLock, SharedLock, type TaskLock } from '../../../src/app/shared-lock.ts';
import { ObjectLeases } from '../../../src/storage/objects/object-leases.ts';
import { ObjectStoreError } from '../../../src/storage/objects/object-store.ts';
import { errorCodeOf } from '../../helpers/jami-expect.ts';
import { tempFolderObjects } from '../../helpers/object-backends.ts';

/** SharedLock starts a service's task only on a lease that is still safely held after the refresh. */
describe('SharedLock', () => {
  it('runs the task after the refresh while the lease is held', async () => {
    const lock = new SharedLock(new ObjectLeases(tempFolderObjects()), async () => undefined);
    expect(await lock.run('addon-a', async () => 'ran')).toBe('ran');
  });

  it('does not start the task when the lease came within its margin of expiry during the refresh', async () => {
    const clock = { t: 1_000_000 };
    const leases = new ObjectLeases(tempFolderObjects(), { ttlMs: 30_000, marginMs: 5_000, now: () => clock.t });
    // A refresh that took 25 s (a paused process, a bucket answering slowly): renewals could not help.
    const lock = new SharedLock(leases, async () => void (clock.t += 25_000));
    let ran = false;
    expect(await errorCodeOf(lock.run('addon-b', async () => void (ran = true)), ObjectStoreError)).toBe('STORAGE_BUSY');
    expect(ran).toBe(false);
  });

  // Creating Foo and foo at once: each checks for the other's record, so they must not overlap.
  it.each<[string, () => TaskLock]>([
    ['SharedLock', () => new SharedLock(new ObjectLeases(tempFolderObjects()), async () => undefined)],
    ['LocalLock', () => new LocalLock()],
  ])('%s runs tasks for keys that differ only in case one at a time', async (_name, make) => {
    const lock = make();
    let inside = 0;
    let most = 0;
    const task = async () => {
      most = Math.max(most, ++inside);
      await new Promise((resolve) => setImmediate(resolve));
      inside--;
    };
    await Promise.all([lock.run('Foo@example.org', task), lock.run('foo@example.org', task), lock.run('FOO@example.org', task)]);
    expect(most).toBe(1);
  });
});
