import type { ObjectLeases } from '../storage/objects/object-leases.ts';
import { underLease } from '../storage/objects/lease-guard.ts';
import { KeyedLock } from './keyed-lock.ts';

/** What services serialise their changes with: one process (KeyedLock) or every instance (SharedLock). */
export interface TaskLock {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/**
 * Serialises changes across every instance on one bucket: tasks for a key queue in this process,
 * then hold the key's lease in the bucket. Once held, `refresh` re-reads what the key guards (the
 * record another instance may have changed since this one last read it), so the task decides on
 * the current state, as it would in a single process.
 *
 * `run` keeps the TaskLock signature, so services do not see the lease: the task starts only if
 * the lease is still safely held after the refresh, and runs under it (lease-guard.ts): once the
 * lease may have passed to another instance (renewals failing for its ttl minus its margin, about
 * 25 s, or this process paused that long), every further write of the task is refused with
 * STORAGE_LEASE_LOST, so the task stops and its intent waits for recovery like a crash's.
 */
export class SharedLock implements TaskLock {
  private readonly local = new KeyedLock();

  constructor(
    private readonly leases: ObjectLeases,
    private readonly refresh: (key: string) => Promise<void>,
  ) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(key, () =>
      this.leases.hold(key, async (lease) => {
        await this.refresh(key);
        lease.assertHeld();
        return underLease(lease, task);
      }),
    );
  }
}
