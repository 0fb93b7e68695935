import { setMaxListeners } from 'node:events';
import { isPreconditionFailed, ObjectStoreError } from './object-store.ts';

/** What a task holding a lease may ask of it. */
export interface LeaseHandle {
  /** True while the lease is ours and at least the safety margin from its expiry. */
  stillHeld(): boolean;
  /** Throws STORAGE_BUSY once `stillHeld()` is false: another instance may hold the lease now. */
  assertHeld(): void;
  /**
   * Aborted as soon as the lease is known to be no longer safely held (a renewal lost it, or
   * `stillHeld()` found the margin reached), never by a normal release: a long task can stop early.
   */
  readonly signal: AbortSignal;
  /**
   * For every write the task makes (lease-guard.ts): throws STORAGE_LEASE_LOST, and aborts
   * `signal`, once the lease may have passed to another instance. After release it never throws:
   * the task is over, and what still runs in its context is no longer the task's change.
   */
  guardWrite(): void;
}

/** Our last successful write of the lease: its ETag and the expiry it wrote. */
export interface LeaseState {
  etag: string;
  until: number;
}

/** The part of ObjectLeases a held lease renews and releases through. */
interface LeaseWriter {
  readonly ttlMs: number;
  readonly marginMs: number;
  readonly now: () => number;
  write(key: string, name: string, nonce: string, condition: { ifMatch: string }, release?: boolean): Promise<LeaseState>;
  readOwn(key: string, nonce: string): Promise<LeaseState | undefined>;
}


/**
 * One acquisition of a lease while its task runs: renewed every third of its ttl by If-Match on
 * the last ETag. A failed renewal (timeout, 5xx) is retried with back-off for as long as the lease
 * we last wrote has not come within the safety margin of its expiry; only a 412 on a lease that is
 * no longer ours, or that margin reached, ends it. Renewals are chained, never concurrent: each
 * needs the ETag the previous one produced.
 */
export class HeldLease implements LeaseHandle {
  private lost = false;
  private stopped = false;
  private readonly aborter = new AbortController();
  readonly signal = this.aborter.signal;
  private wake: () => void = () => undefined;
  private readonly renewing: Promise<void>;

  constructor(
    private readonly leases: LeaseWriter,
    private readonly key: string,
    private readonly name: string,
    private readonly nonce: string,
    private state: LeaseState,
  ) {
    // Each S3 request of the task listens on the signal while it runs (lease-guard.ts), several at
    // once when documents are written in parallel: no leak, so no listener-count warning.
    setMaxListeners(0, this.signal);
    this.renewing = this.renew();
  }

  stillHeld(): boolean {
    // Checked by the clock too, not only by the renewals: a paused process resumes with its
    // renewal timer not yet run, and must not take its old lease for a held one.
    const held = !this.lost && this.leases.now() < this.state.until - this.leases.marginMs;
    if (!held && !this.stopped) this.lose();
    return held;
  }

  guardWrite(): void {
    if (this.stopped || this.stillHeld()) return;
    throw new ObjectStoreError('STORAGE_LEASE_LOST', `The lease on ${this.name} was lost while a change to it ran (the storage did not answer renewals in time, or this process was paused); another instance may be changing it now, so this change stopped before writing more. It is finished or taken back like an interrupted one.`);
  }

  private lose(): void {
    this.lost = true;
    this.aborter.abort(new ObjectStoreError('STORAGE_LEASE_LOST', `The lease on ${this.name} was lost.`));
  }

  assertHeld(): void {
    if (!this.stillHeld()) {
      throw new ObjectStoreError('STORAGE_BUSY', `The lease on ${this.name} could not be renewed in time; another instance may hold it now, so this change stopped.`);
    }
  }

  /**
   * Marks the lease expired (until 0) by If-Match on our last ETag, never a delete: if it expired
   * and another instance took it meanwhile, the 412 leaves that instance's lease alone. A release
   * that fails otherwise is harmless: the lease expires by itself.
   */
  async release(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.renewing;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.leases.write(this.key, this.name, this.nonce, { ifMatch: this.state.etag }, true);
        return;
      } catch (err) {
        if (!isPreconditionFailed(err)) return;
        // Our renewal may have landed with its answer lost; then the lease is ours under another ETag.
        const ours = await this.leases.readOwn(this.key, this.nonce).catch(() => undefined);
        if (!ours || ours.until === 0) return;
        this.state = ours;
      }
    }
  }

  private async renew(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      await this.pause(failures === 0 ? this.leases.ttlMs / 3 : Math.min(this.leases.ttlMs / 10, 250 * 2 ** (failures - 1)));
      if (this.stopped) return;
      try {
        this.state = await this.leases.write(this.key, this.name, this.nonce, { ifMatch: this.state.etag });
        failures = 0;
        continue;
      } catch (err) {
        if (isPreconditionFailed(err)) {
          const ours = await this.leases.readOwn(this.key, this.nonce).catch(() => 'unknown' as const);
          if (ours === undefined) {
            this.lose(); // someone else's lease now
            return;
          }
          if (ours !== 'unknown') {
            this.state = ours;
            failures = 0;
            continue;
          }
        }
      }
      failures++;
      if (!this.stillHeld()) return;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(10, Math.floor(ms)));
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
