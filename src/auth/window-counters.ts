import { createHash } from 'node:crypto';
import { SESSIONS } from '../limits.ts';
import { readJson, updateJson } from '../storage/objects/json-objects.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';

/**
 * Counters of events per name (failed sign-ins per user name, attempts per address) over a window
 * that starts with the first event, shared by every instance on one store. Each count is one object
 * changed by compare-and-swap, so counts from all instances add up. Names are stored hashed: the
 * store learns which names were tried only if it guesses them.
 *
 * An entry is named after the window-sized slot its window started in,
 * <prefix><floor(firstAt / windowMs)>-<sha256(name)>.json, so a live entry is in the current slot
 * or the one before, and a sweep deletes older slots from a listing alone, without reading. (One
 * flat folder: a folder per slot would leave empty folders behind on a data folder.)
 */
export interface WindowCount {
  count: number;
  firstAt: number;
}

export interface WindowCountersOptions {
  windowMs: number;
  /** Names remembered; enforced by each sweep, so it can be exceeded by what arrives between two. */
  maxEntries?: number;
  /** Sweeps happen when a new entry starts, at most this often per instance (0: every time). */
  sweepEveryMs?: number;
  now?: () => number;
}

export class WindowCounters {
  readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly sweepEveryMs: number;
  private readonly now: () => number;
  private lastSweepAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly objects: ObjectStore,
    /** e.g. "private/throttles/accounts/" */
    private readonly prefix: string,
    options: WindowCountersOptions,
  ) {
    this.windowMs = options.windowMs;
    this.maxEntries = options.maxEntries ?? SESSIONS.maxThrottleEntries;
    this.sweepEveryMs = options.sweepEveryMs ?? SESSIONS.sweepEveryMs;
    this.now = options.now ?? Date.now;
  }

  private slot(at: number): number {
    return Math.floor(at / this.windowMs);
  }

  private key(slot: number, name: string): string {
    return `${this.prefix}${slot}-${createHash('sha256').update(name).digest('hex')}.json`;
  }

  private live(entry: WindowCount | undefined, at: number): entry is WindowCount {
    return entry !== undefined && at - entry.firstAt < this.windowMs;
  }

  /** The live count's key: the current slot's, else the previous slot's if its window is still open. */
  private async find(name: string, at: number): Promise<{ key: string; entry?: WindowCount }> {
    const current = this.key(this.slot(at), name);
    const here = await readJson<WindowCount>(this.objects, current);
    if (here || this.slot(at) === 0) return { key: current, ...(here ? { entry: here.value } : {}) };
    const previous = this.key(this.slot(at) - 1, name);
    const before = (await readJson<WindowCount>(this.objects, previous))?.value;
    return this.live(before, at) ? { key: previous, entry: before } : { key: current };
  }

  async get(name: string): Promise<WindowCount | undefined> {
    return (await this.find(name, this.now())).entry;
  }

  /** Adds `delta` to the live count (starting a window when there is none); never below 0. */
  async add(name: string, delta = 1): Promise<WindowCount> {
    const at = this.now();
    const { key, entry } = await this.find(name, at);
    if (!entry) await this.maybeSweep(at);
    const { result } = await updateJson<WindowCount, WindowCount>(this.objects, key, (current) => {
      // Another instance may have started (or a sweep ended) the window since find().
      const base = this.live(current, at) ? current : { count: 0, firstAt: at };
      const value = { ...base, count: Math.max(0, base.count + delta) };
      return { value, result: value };
    });
    return result;
  }

  async clear(name: string): Promise<void> {
    const slot = this.slot(this.now());
    await Promise.all([slot, slot - 1].filter((s) => s >= 0).map((s) => this.objects.remove(this.key(s, name))));
  }

  /** Stored entries (live, or expired and not yet swept). */
  async size(): Promise<number> {
    let n = 0;
    for await (const _ of this.objects.list(this.prefix)) n += 1;
    return n;
  }

  private async maybeSweep(at: number): Promise<void> {
    if (at - this.lastSweepAt >= this.sweepEveryMs) await this.sweep(at);
  }

  /** Deletes slots that can hold no live entry, then the oldest entries beyond maxEntries. */
  async sweep(at = this.now()): Promise<void> {
    this.lastSweepAt = at;
    const keys: { key: string; slot: number }[] = [];
    for await (const object of this.objects.list(this.prefix)) keys.push({ key: object.key, slot: Number(object.key.slice(this.prefix.length).split('-')[0]) });
    const oldest = this.slot(at) - 1;
    const dead = keys.filter((k) => !(k.slot >= oldest));
    const kept = keys.filter((k) => k.slot >= oldest).sort((a, b) => a.slot - b.slot);
    // Room for the entry about to start. Dropping a live entry only forgets a count.
    const over = kept.slice(0, Math.max(0, kept.length - this.maxEntries + 1));
    for (const k of [...dead, ...over]) await this.objects.remove(k.key);
  }
}
