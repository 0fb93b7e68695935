import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { SESSIONS } from '../../limits.ts';

/**
 * Both sign-in throttles remember strangers (user names, addresses), so both are capped. Entries
 * are kept in the order their window started: the first entry is always the next to expire, which
 * makes dropping expired entries, then the oldest, O(1) per insertion. Dropping a live entry when
 * full only forgets a count; it needs thousands of addresses or names within one window.
 */
function makeRoom<V>(entries: Map<string, V>, expired: (value: V) => boolean, maxEntries: number): void {
  for (const [key, value] of entries) {
    if (entries.size < maxEntries && !expired(value)) return;
    entries.delete(key);
  }
}

/** Locks an account for a while after repeated failures, whatever address they come from. */
export class AccountThrottle {
  private readonly failures = new Map<string, { count: number; firstAt: number }>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: { max?: number; windowMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.max = options.max ?? 5;
    this.windowMs = options.windowMs ?? 15 * 60 * 1000;
    this.maxEntries = options.maxEntries ?? SESSIONS.maxThrottleEntries;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.failures.size;
  }

  private expired(f: { firstAt: number }): boolean {
    return this.now() - f.firstAt > this.windowMs;
  }

  locked(user: string): boolean {
    const f = this.failures.get(user);
    if (!f) return false;
    if (this.expired(f)) {
      this.failures.delete(user);
      return false;
    }
    return f.count >= this.max;
  }

  fail(user: string): void {
    const f = this.failures.get(user);
    if (f && !this.expired(f)) {
      f.count += 1;
      return;
    }
    // Deleted before set so a new window moves to the end of the insertion order.
    this.failures.delete(user);
    makeRoom(this.failures, (v) => this.expired(v), this.maxEntries);
    this.failures.set(user, { count: 1, firstAt: this.now() });
  }

  clear(user: string): void {
    this.failures.delete(user);
  }
}

/** express-rate-limit's MemoryStore keeps every address seen in a window; this one keeps at most maxEntries. */
export class BoundedRateStore implements Store {
  readonly localKeys = true;
  private readonly hits = new Map<string, { totalHits: number; resetAt: number }>();
  private windowMs = 60_000;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.maxEntries = options.maxEntries ?? SESSIONS.maxThrottleEntries;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.hits.size;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private live(key: string): { totalHits: number; resetAt: number } | undefined {
    const entry = this.hits.get(key);
    if (entry && entry.resetAt <= this.now()) {
      this.hits.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const entry = this.live(key);
    return entry && { totalHits: entry.totalHits, resetTime: new Date(entry.resetAt) };
  }

  increment(key: string): ClientRateLimitInfo {
    let entry = this.live(key);
    if (!entry) {
      makeRoom(this.hits, (v) => v.resetAt <= this.now(), this.maxEntries);
      entry = { totalHits: 0, resetAt: this.now() + this.windowMs };
      this.hits.set(key, entry);
    }
    entry.totalHits += 1;
    return { totalHits: entry.totalHits, resetTime: new Date(entry.resetAt) };
  }

  decrement(key: string): void {
    const entry = this.live(key);
    if (entry && entry.totalHits > 0) entry.totalHits -= 1;
  }

  resetKey(key: string): void {
    this.hits.delete(key);
  }

  resetAll(): void {
    this.hits.clear();
  }
}
