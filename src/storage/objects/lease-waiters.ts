import { readObject } from './object-bytes.ts';
import type { ObjectStore } from './object-store.ts';

/**
 * "Waiting" markers next to a lease (`private/locks/<hash>.wait-<owner>.json`, `{owner, until}`):
 * an instance that found a lease held says so, and an instance that has just released that lease
 * and wants it again for the next task of its local queue yields while a foreign marker is fresh.
 * Without them the releasing instance re-acquires within milliseconds, every time, and instances
 * polling with back-off starve until they give up (STORAGE_BUSY). A marker is only advice: losing
 * one (a failed write, a crash) costs fairness, never exclusion.
 */
export class LeaseWaiters {
  constructor(
    private readonly objects: ObjectStore,
    private readonly owner: string,
    private readonly now: () => number,
  ) {}

  private prefix(leaseKey: string): string {
    return `${leaseKey.replace(/\.json$/, '')}.wait-`;
  }

  /** Says this instance waits for the lease until `until` (it rewrites the marker before then). */
  async mark(leaseKey: string, until: number): Promise<void> {
    const bytes = Buffer.from(JSON.stringify({ owner: this.owner, until }));
    await this.objects.put(`${this.prefix(leaseKey)}${this.owner}.json`, bytes, bytes.length);
  }

  async clear(leaseKey: string): Promise<void> {
    await this.objects.remove(`${this.prefix(leaseKey)}${this.owner}.json`).catch(() => undefined);
  }

  /** Whether another instance has a fresh marker; expired ones (their waiter crashed or gave up uncleanly) are removed. */
  async othersWaiting(leaseKey: string): Promise<boolean> {
    const prefix = this.prefix(leaseKey);
    let waiting = false;
    for await (const object of this.objects.list(prefix)) {
      if (object.key === `${prefix}${this.owner}.json`) continue;
      const until = untilOf(await readObject(this.objects, object.key, 4096).catch(() => undefined));
      if (until !== undefined && until > this.now()) waiting = true;
      else if (until !== undefined) await this.objects.remove(object.key).catch(() => undefined);
    }
    return waiting;
  }
}

function untilOf(bytes: Buffer | undefined): number | undefined {
  if (!bytes) return undefined;
  try {
    const { until } = JSON.parse(bytes.toString('utf8')) as { until?: unknown };
    return typeof until === 'number' ? until : undefined;
  } catch {
    return undefined;
  }
}
