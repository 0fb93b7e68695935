import { randomBytes } from 'node:crypto';
import { readObject, writeObject } from './object-bytes.ts';
import type { ObjectStore } from './object-store.ts';

/** What changed: a kind of record (a store's name) and its id. */
export interface Change {
  readonly kind: string;
  readonly id: string;
}

export interface ChangeFeedOptions {
  /** Entries older than this are removed by whichever instance lists them. */
  retentionMs?: number;
  /**
   * How far back from the newest entry seen a poll still looks: an entry named by a slower clock,
   * or written late by a slow writer, sorts before ones already seen and must not be missed.
   */
  lookBackMs?: number;
  now?: () => number;
}

const PREFIX = 'private/changes/';
const DEFAULT_RETENTION_MS = 10 * 60_000;
const DEFAULT_LOOK_BACK_MS = 60_000;
const TIME_DIGITS = 15;

/**
 * How instances on one bucket hear of each other's changes: every change adds a small object
 * private/changes/<time>-<instance>-<seq>.json naming the record, and every instance lists the
 * feed now and then (poll) and re-reads what others changed, so its records, and every cache
 * derived from them, follow within the poll interval. Entries are never the truth, only a hint to
 * re-read it; a missed one is caught by the periodic full re-read (records compare ETags).
 */
export class ChangeFeed {
  private readonly instance = randomBytes(6).toString('hex');
  private seq = 0;
  private readonly seen = new Map<string, number>();
  private readonly retentionMs: number;
  private readonly lookBackMs: number;
  private readonly now: () => number;
  private newest: number;

  constructor(
    private readonly objects: ObjectStore,
    options: ChangeFeedOptions = {},
  ) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.lookBackMs = options.lookBackMs ?? DEFAULT_LOOK_BACK_MS;
    this.now = options.now ?? Date.now;
    // Everything before this instance started is in the records it has just read.
    this.newest = this.now();
  }

  async publish(change: Change): Promise<void> {
    const time = String(this.now()).padStart(TIME_DIGITS, '0');
    const key = `${PREFIX}${time}-${this.instance}-${(this.seq++).toString(36)}.json`;
    this.seen.set(key, this.now());
    await writeObject(this.objects, key, JSON.stringify(change));
  }

  /** The changes other instances made since the last poll, oldest first; old entries are removed. */
  async poll(): Promise<Change[]> {
    const changes: Change[] = [];
    const now = this.now();
    const since = this.newest - this.lookBackMs;
    for await (const { key } of this.objects.list(PREFIX)) {
      const time = Number(key.slice(PREFIX.length, PREFIX.length + TIME_DIGITS));
      if (!Number.isSafeInteger(time)) continue;
      if (time < now - this.retentionMs) {
        await this.objects.remove(key).catch(() => undefined);
        continue;
      }
      if (time < since || this.seen.has(key)) continue;
      this.seen.set(key, time);
      this.newest = Math.max(this.newest, time);
      if (key.includes(`-${this.instance}-`)) continue;
      const change = await this.read(key);
      if (change) changes.push(change);
    }
    for (const [key, time] of this.seen) if (time < since - this.lookBackMs) this.seen.delete(key);
    return changes;
  }

  private async read(key: string): Promise<Change | undefined> {
    try {
      const value = JSON.parse((await readObject(this.objects, key, 4096))?.toString('utf8') ?? 'null') as Partial<Change> | null;
      return typeof value?.kind === 'string' && typeof value.id === 'string' ? { kind: value.kind, id: value.id } : undefined;
    } catch {
      return undefined; // a foreign or damaged entry: the periodic full re-read covers it
    }
  }
}
