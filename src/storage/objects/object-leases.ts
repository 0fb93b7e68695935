import { createHash, randomBytes } from 'node:crypto';
import { readVersioned } from './object-bytes.ts';
import { ObjectStoreError, type ObjectStore } from './object-store.ts';

export interface LeaseOptions {
  /** How long a lease lasts unless renewed; renewed every third of it while its task runs. */
  ttlMs?: number;
  /** How long a change waits for a lease another instance holds before giving up (503). */
  waitMs?: number;
  now?: () => number;
}

interface Lease {
  owner: string;
  name: string;
  until: number;
}

const DEFAULT_TTL_MS = 30_000;
const DEFAULT_WAIT_MS = 60_000;
const MAX_LEASE_BYTES = 4096;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isConflict = (err: unknown) => err instanceof ObjectStoreError && err.code === 'STORAGE_PRECONDITION_FAILED';

/**
 * Locks shared by every instance on one object store (a bucket): a lease object per name under
 * private/locks/, created only if absent (If-None-Match) and renewed or taken over only by the ETag
 * it was read with (If-Match), so at most one instance holds a name at a time. A lease a crashed
 * instance left expires after `ttlMs`; the clocks of the instances must agree to well within that
 * (NTP). Within one instance, tasks for one name are queued first (KeyedLock), so only one of them
 * at a time polls the store.
 */
export class ObjectLeases {
  private readonly ttlMs: number;
  private readonly waitMs: number;
  private readonly now: () => number;
  private readonly owner = randomBytes(8).toString('hex');

  constructor(
    private readonly objects: ObjectStore,
    options: LeaseOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    this.now = options.now ?? Date.now;
  }

  /** Runs `task` while holding the lease on `name`. */
  async hold<T>(name: string, task: () => Promise<T>): Promise<T> {
    const key = `private/locks/${createHash('sha256').update(name).digest('hex').slice(0, 40)}.json`;
    let etag = await this.acquire(key, name);
    let lost = false;
    // Renewals are chained, never concurrent: each needs the ETag the previous one produced.
    let renewing = Promise.resolve();
    const timer = setInterval(() => {
      renewing = renewing.then(async () => {
        if (lost) return;
        etag = await this.write(key, name, { ifMatch: etag }).catch(() => {
          lost = true;
          return etag;
        });
      });
    }, Math.max(10, Math.floor(this.ttlMs / 3)));
    timer.unref();
    try {
      return await task();
    } finally {
      clearInterval(timer);
      await renewing;
      // A lease lost to a takeover is someone else's now: leave it alone.
      if (!lost) await this.objects.remove(key).catch(() => undefined);
    }
  }

  private async acquire(key: string, name: string): Promise<string> {
    const giveUpAt = this.now() + this.waitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.write(key, name, { ifAbsent: true });
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      const held = await readVersioned(this.objects, key, MAX_LEASE_BYTES);
      if (held && expired(held.bytes, this.now())) {
        try {
          return await this.write(key, name, { ifMatch: held.etag });
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
      }
      if (this.now() >= giveUpAt) {
        throw new ObjectStoreError('STORAGE_BUSY', `Another instance has been changing ${name} for more than ${Math.round(this.waitMs / 1000)} s; try again shortly.`);
      }
      // Backs off from 20 ms to 500 ms, with jitter so waiting instances do not poll in step.
      await sleep(Math.min(500, 20 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2));
    }
  }

  private async write(key: string, name: string, condition: { ifAbsent: true } | { ifMatch: string }): Promise<string> {
    const lease: Lease = { owner: this.owner, name, until: this.now() + this.ttlMs };
    const bytes = Buffer.from(JSON.stringify(lease));
    return (await this.objects.put(key, bytes, bytes.length, condition)).etag;
  }
}

/**
 * Every lease is written whole, so one that does not parse is a foreign object: it is never taken
 * over, and changes under its name fail with STORAGE_BUSY until an operator removes it.
 */
function expired(bytes: Buffer, now: number): boolean {
  try {
    const { until } = JSON.parse(bytes.toString('utf8')) as Partial<Lease>;
    return typeof until === 'number' && until < now;
  } catch {
    return false;
  }
}
