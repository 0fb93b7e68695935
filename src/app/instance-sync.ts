import type { Logger } from 'pino';
import type { ChangeFeed } from '../storage/objects/change-feed.ts';

/** A store whose records other instances may change (json-record-store.ts). */
export interface SyncedStore {
  onSaved(listener: (id: string) => Promise<void>): void;
  refresh(id: string): Promise<unknown>;
  refreshAll(): Promise<void>;
}

export interface InstanceSyncOptions {
  /** How often the change feed is read: the bound on seeing another instance's change. */
  pollMs: number;
  /** How often every store is listed and changed records re-read, in case a feed entry was lost. */
  resyncMs: number;
  /** How old an intent must be before a resync recovers it (see `recover`). */
  staleIntentMs: number;
}

/** Finishes or takes back the changes whose intents were written before `before` (addon-changes.ts). */
export type StaleChangeRecovery = (before: number) => Promise<void>;

/**
 * Keeps this instance's records in step with the other instances on one bucket: each change made
 * here is announced on the feed; each poll re-reads what the others changed, which tells every
 * cache derived from those records (answers compare revisions; listings listen for changes).
 */
export class InstanceSync {
  private timers: NodeJS.Timeout[] = [];
  private polling?: Promise<void>;
  private nextPoll?: Promise<void>;
  private staleIntentMs = 0;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly stores: ReadonlyMap<string, SyncedStore>,
    private readonly log: Logger,
    /** Without it, a crashed instance's half-done change would wait for the next start of any instance. */
    private readonly recover?: StaleChangeRecovery,
  ) {
    for (const [kind, store] of stores) {
      // Announcing is a hint for the others: a failure is logged, not a failed change (the
      // periodic re-read of the others still finds it).
      store.onSaved((id) => feed.publish({ kind, id }).catch((err: unknown) => log.warn({ err, kind, id }, 'change not announced to other instances')));
    }
  }

  start(options: InstanceSyncOptions): void {
    this.staleIntentMs = options.staleIntentMs;
    const every = (ms: number, task: () => Promise<void>) => {
      const timer = setInterval(() => void task().catch((err: unknown) => this.log.warn({ err }, 'instance sync failed; retrying')), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(options.pollMs, () => this.poll());
    every(options.resyncMs, () => this.resync(Date.now()));
  }

  /**
   * Re-reads what the other instances changed, up to at least the moment of the call (one poll at
   * a time). A poll already running may have read the feed before that moment, so a caller then
   * waits for it and for one more, which every caller in the meantime shares.
   */
  poll(): Promise<void> {
    if (this.polling) {
      this.nextPoll ??= this.polling
        .catch(() => undefined)
        .then(() => {
          this.nextPoll = undefined;
          return this.poll();
        });
      return this.nextPoll;
    }
    this.polling = (async () => {
      try {
        for (const { kind, id } of await this.feed.poll()) await this.stores.get(kind)?.refresh(id);
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  /**
   * Re-reads every store, then recovers the intents written more than `staleIntentMs` before
   * `now` (tests pass a later time instead of waiting).
   */
  async resync(now: number): Promise<void> {
    for (const store of this.stores.values()) await store.refreshAll();
    await this.recover?.(now - this.staleIntentMs);
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}
