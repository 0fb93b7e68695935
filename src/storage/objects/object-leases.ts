import { createHash, randomBytes } from 'node:crypto';
import { HeldLease, type LeaseHandle, type LeaseState } from './held-lease.ts';
import { LeaseWaiters } from './lease-waiters.ts';
import { readVersioned } from './object-bytes.ts';
import { isPreconditionFailed, ObjectStoreError, type ObjectStore } from './object-store.ts';

export type { LeaseHandle } from './held-lease.ts';

export interface LeaseOptions {
  /** How long a lease lasts unless renewed; renewed every third of it while its task runs. */
  ttlMs?: number;
  /** How long a change waits for a lease another instance holds before giving up (503). */
  waitMs?: number;
  /**
   * A lease counts as held only until its expiry minus this: room for the clocks of two instances
   * to disagree and for a takeover write already on its way. Renewals are retried until then.
   */
  marginMs?: number;
  /** How long an instance that has just released a lease lets a waiting instance go first. */
  yieldMs?: number;
  now?: () => number;
}

/** What the lease object holds. `nonce` is new for every acquisition, so a holder recognises its own write. */
export interface Lease {
  owner: string;
  nonce: string;
  name: string;
  until: number;
}

const DEFAULT_TTL_MS = 30_000;
const DEFAULT_WAIT_MS = 60_000;
const MAX_LEASE_BYTES = 4096;
/** A waiter polls at most this far apart (the back-off's cap), so it sees a released lease within it. */
const MAX_POLL_MS = 500;
/** A waiter rewrites its marker at every poll once half of it has gone; two polls may be missed. */
const MARKER_TTL_MS = 4 * MAX_POLL_MS;
const YIELD_CHECK_MS = 25;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Locks shared by every instance on one object store (a bucket): a lease object per name under
 * private/locks/, created only if absent (If-None-Match) and renewed, released or taken over only
 * by the ETag it was read with (If-Match). Lease objects are never deleted: a release writes
 * `until: 0`, which any instance may take over at once, so a release that comes too late (our
 * lease expired and was taken) fails its If-Match and leaves the new holder's lease alone. A lease
 * a crashed instance left expires after `ttlMs`; the clocks of the instances must agree to well
 * within `marginMs` (NTP). Within one instance, tasks for one name are queued first (KeyedLock),
 * so only one of them at a time polls the store. The guarantees and windows are in README.md
 * ("Serving from a bucket").
 */
export class ObjectLeases {
  readonly ttlMs: number;
  readonly marginMs: number;
  readonly now: () => number;
  private readonly waitMs: number;
  private readonly yieldMs: number;
  private readonly owner = randomBytes(8).toString('hex');
  private readonly waiters: LeaseWaiters;
  /** When this instance last released each lease, to yield to waiters before taking it again. */
  private readonly released = new Map<string, number>();

  constructor(
    private readonly objects: ObjectStore,
    options: LeaseOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    this.marginMs = options.marginMs ?? Math.floor(this.ttlMs / 6);
    this.yieldMs = options.yieldMs ?? 2 * MAX_POLL_MS;
    this.now = options.now ?? Date.now;
    this.waiters = new LeaseWaiters(objects, this.owner, this.now);
  }

  /**
   * Runs `task` while holding the lease on `name`. The task gets a handle that says whether the
   * lease is still safely held: renewals that keep failing end that at the lease's expiry minus
   * `marginMs`, and a task that writes something no If-Match protects should check it first.
   */
  async hold<T>(name: string, task: (lease: LeaseHandle) => Promise<T>): Promise<T> {
    const key = `private/locks/${createHash('sha256').update(name).digest('hex').slice(0, 40)}.json`;
    const nonce = randomBytes(8).toString('hex');
    await this.yieldToWaiters(key);
    const lease = new HeldLease(this, key, name, nonce, await this.acquire(key, name, nonce));
    try {
      return await task(lease);
    } finally {
      await lease.release();
      this.released.set(key, this.now());
    }
  }

  /** Writes our lease (until now + ttl, or until 0 to release it) under `condition`. */
  async write(key: string, name: string, nonce: string, condition: { ifAbsent: true } | { ifMatch: string }, release = false): Promise<LeaseState> {
    const lease: Lease = { owner: this.owner, nonce, name, until: release ? 0 : this.now() + this.ttlMs };
    const bytes = Buffer.from(JSON.stringify(lease));
    return { etag: (await this.objects.put(key, bytes, bytes.length, condition)).etag, until: lease.until };
  }

  /**
   * After a conditional write answered 412: the SDK retries a write whose answer was lost, and the
   * retry fails on the very object the first attempt wrote. If the lease carries this
   * acquisition's owner and nonce, that write was ours, and this is its ETag.
   */
  async readOwn(key: string, nonce: string): Promise<LeaseState | undefined> {
    const held = await readVersioned(this.objects, key, MAX_LEASE_BYTES);
    const lease = held && parseLease(held.bytes);
    return lease && lease.owner === this.owner && lease.nonce === nonce ? { etag: held.etag, until: lease.until } : undefined;
  }

  private async acquire(key: string, name: string, nonce: string): Promise<LeaseState> {
    const giveUpAt = this.now() + this.waitMs;
    let markedUntil: number | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        const held = await readVersioned(this.objects, key, MAX_LEASE_BYTES);
        const lease = held && parseLease(held.bytes);
        // Absent, released (until 0) or left by a crashed holder: free, taken by its ETag.
        if (!held || (lease && lease.until < this.now())) {
          try {
            return await this.write(key, name, nonce, held ? { ifMatch: held.etag } : { ifAbsent: true });
          } catch (err) {
            if (!isPreconditionFailed(err)) throw err;
            const ours = await this.readOwn(key, nonce);
            if (ours) return ours;
          }
        }
        if (this.now() >= giveUpAt) {
          throw new ObjectStoreError('STORAGE_BUSY', `Another instance has been changing ${name} for more than ${Math.round(this.waitMs / 1000)} s; try again shortly.`);
        }
        if (markedUntil === undefined || markedUntil - this.now() < MARKER_TTL_MS / 2) {
          markedUntil = this.now() + MARKER_TTL_MS;
          await this.waiters.mark(key, markedUntil).catch(() => undefined);
        }
        // Backs off from 20 ms to MAX_POLL_MS, with jitter so waiting instances do not poll in step.
        await sleep(Math.min(MAX_POLL_MS, 20 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2));
      }
    } finally {
      if (markedUntil !== undefined) await this.waiters.clear(key);
    }
  }

  /**
   * The next task of this instance's queue for a lease it has just released waits while another
   * instance's marker says it is waiting (at most `yieldMs`, two of its polls), so the waiter finds
   * the lease free. Best effort: a store error only skips the courtesy.
   */
  private async yieldToWaiters(key: string): Promise<void> {
    const released = this.released.get(key);
    this.released.delete(key);
    if (released === undefined || this.now() - released > this.yieldMs) return;
    const until = this.now() + this.yieldMs;
    while (this.now() < until && (await this.waiters.othersWaiting(key).catch(() => false))) await sleep(YIELD_CHECK_MS);
  }
}

/**
 * Every lease is written whole, so one that does not parse is a foreign object: it is never taken
 * over, and changes under its name fail with STORAGE_BUSY until an operator removes it.
 */
function parseLease(bytes: Buffer): Lease | undefined {
  try {
    const lease = JSON.parse(bytes.toString('utf8')) as Partial<Lease>;
    return typeof lease.until === 'number' && typeof lease.owner === 'string' ? (lease as Lease) : undefined;
  } catch {
    return undefined;
  }
}
