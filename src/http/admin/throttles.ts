import type { ClientRateLimitInfo, Store } from 'express-rate-limit';
import type { WindowCounters } from '../../auth/window-counters.ts';

/**
 * Both sign-in throttles count in the deployment's store (auth/window-counters.ts), so a guesser
 * gains nothing by spreading attempts over instances, and both remember a capped number of
 * strangers (user names, addresses). Dropping a live entry when full only forgets a count.
 */

/** Locks an account for a while after repeated failures, whatever address they come from. */
export class AccountThrottle {
  private readonly max: number;

  constructor(
    private readonly failures: WindowCounters,
    options: { max?: number } = {},
  ) {
    this.max = options.max ?? 5;
  }

  size(): Promise<number> {
    return this.failures.size();
  }

  async locked(user: string): Promise<boolean> {
    return ((await this.failures.get(user))?.count ?? 0) >= this.max;
  }

  async fail(user: string): Promise<void> {
    await this.failures.add(user);
  }

  async clear(user: string): Promise<void> {
    await this.failures.clear(user);
  }
}

/**
 * express-rate-limit's store for attempts per address. The window is the counters' own (the
 * limiter's windowMs must be the same; init() checks it).
 */
export class BoundedRateStore implements Store {
  readonly localKeys = false;

  constructor(private readonly hits: WindowCounters) {}

  size(): Promise<number> {
    return this.hits.size();
  }

  init(options: { windowMs: number }): void {
    if (options.windowMs !== this.hits.windowMs) throw new Error(`The limiter's window (${options.windowMs} ms) is not its store's (${this.hits.windowMs} ms).`);
  }

  private info(entry: { count: number; firstAt: number }): ClientRateLimitInfo {
    return { totalHits: entry.count, resetTime: new Date(entry.firstAt + this.hits.windowMs) };
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const entry = await this.hits.get(key);
    return entry && this.info(entry);
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    return this.info(await this.hits.add(key, 1));
  }

  async decrement(key: string): Promise<void> {
    if (await this.hits.get(key)) await this.hits.add(key, -1);
  }

  async resetKey(key: string): Promise<void> {
    await this.hits.clear(key);
  }
}
