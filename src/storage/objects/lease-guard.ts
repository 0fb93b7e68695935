import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import type { LeaseHandle } from './held-lease.ts';
import type { ByteRange, ObjectBody, ObjectInfo, ObjectStore, PutOptions, WriteOptions } from './object-store.ts';

type WriteGuard = Pick<LeaseHandle, 'guardWrite' | 'signal'>;

/** The leases the running task holds, innermost last (a task may take another thing's lock). */
const held = new AsyncLocalStorage<readonly WriteGuard[]>();

/**
 * Runs `task` so that every write it makes through a LeaseGuardedObjects, however deep in the
 * services, is checked against `lease` first. The context follows the task's own awaits and
 * callbacks, so services keep their signatures and never see the lease.
 */
export function underLease<T>(lease: WriteGuard, task: () => Promise<T>): Promise<T> {
  return held.run([...(held.getStore() ?? []), lease], task);
}

/**
 * Refuses a write of a task whose lease may be lost; otherwise what lets the store abandon the
 * request should the lease be lost while it is on its way (each lease's signal).
 */
function guardWrites(): WriteOptions {
  const leases = held.getStore() ?? [];
  for (const lease of leases) lease.guardWrite();
  if (leases.length === 0) return {};
  return { signal: leases.length === 1 ? leases[0]!.signal : AbortSignal.any(leases.map((l) => l.signal)) };
}

/**
 * The object store of a bucket shared by instances, as services see it: a write made by a task
 * whose lease may have passed to another instance is refused (STORAGE_LEASE_LOST) before it is
 * sent, so nothing of a change lands after another instance may have started the same change.
 * The change then stops where it is, its intent left for recovery (addon-changes.ts,
 * package-intents.ts), as after
 * a crash. Reads, and writes outside any leased task (start-up, sessions, the feed), pass.
 * A write on its way when the lease is lost is abandoned (the lease's signal aborts its request),
 * but the store may have taken it already: the lease's margin (5 s) is what keeps that short of
 * another instance's takeover.
 */
export class LeaseGuardedObjects implements ObjectStore {
  readonly location: string;

  constructor(private readonly inner: ObjectStore) {
    this.location = inner.location;
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }

  get(key: string, range?: ByteRange): Promise<ObjectBody | undefined> {
    return this.inner.get(key, range);
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }

  async put(key: string, body: Buffer | Readable, size: number, options?: PutOptions): Promise<{ etag: string }> {
    const lease = guardWrites();
    return this.inner.put(key, body, size, { ...options, ...lease });
  }

  async adopt(file: string, key: string, size: number): Promise<void> {
    return this.inner.adopt(file, key, size, guardWrites());
  }

  async move(from: string, to: string): Promise<void> {
    return this.inner.move(from, to, guardWrites());
  }

  async remove(key: string): Promise<void> {
    return this.inner.remove(key, guardWrites());
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
