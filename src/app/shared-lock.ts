import type { ObjectLeases } from '../storage/objects/object-leases.ts';
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
 * the lease is still safely held after the refresh, but nothing stops it half-way. If the bucket
 * stays unreachable for renewals longer than the lease's ttl minus its margin (about 25 s), another
 * instance may take the lease while this task still runs; its record writes still use If-Match and
 * fail rather than overwrite, but writes no ETag guards (packages, documents) can interleave.
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
        return task();
      }),
    );
  }
}
