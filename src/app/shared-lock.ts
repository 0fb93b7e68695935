import type { ObjectLeases } from '../storage/objects/object-leases.ts';
import { underLease } from '../storage/objects/lease-guard.ts';
import { KeyedLock } from './keyed-lock.ts';

/** What services serialise their changes with: one process (KeyedLock) or every instance (SharedLock). */
export interface TaskLock {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/**
 * The name a key is locked under. Ids that differ only in case are one folder on case-insensitive
 * file systems and CDNs, and a new id is refused when a twin exists: both creations must queue for
 * one lock, or each could check for the other before either is saved.
 */
export function lockName(key: string): string {
  return key.toLowerCase();
}

/** One process on a data folder: tasks queue in memory, under the same names as SharedLock's. */
export class LocalLock implements TaskLock {
  private readonly local = new KeyedLock();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(lockName(key), task);
  }
}

/**
 * Serialises changes across every instance on one bucket: tasks for a key queue in this process,
 * then hold the key's lease in the bucket (both under its lockName). Once held, `refresh` re-reads
 * what the key guards (the record another instance may have changed since this one last read it,
 * and a twin differing in case that it may have created), so the task decides on the current
 * state, as it would in a single process.
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
    const name = lockName(key);
    return this.local.run(name, () =>
      this.leases.hold(name, async (lease) => {
        await this.refresh(key);
        lease.assertHeld();
        return underLease(lease, task);
      }),
    );
  }
}
