import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { InstanceSync, type SyncedStore } from '../../../src/app/instance-sync.ts';
import type { ChangeFeed } from '../../../src/storage/objects/change-feed.ts';

/** A feed whose reads finish when the test says so, returning what was announced before they began. */
function gatedFeed() {
  const announced: { kind: string; id: string }[] = [];
  const reads: { seen: { kind: string; id: string }[]; finish: () => void }[] = [];
  const feed = {
    publish: async () => {},
    poll: () =>
      new Promise<{ kind: string; id: string }[]>((resolve) => {
        const seen = announced.splice(0);
        reads.push({ seen, finish: () => resolve(seen) });
      }),
  } as unknown as ChangeFeed;
  return { feed, announced, reads };
}

describe('InstanceSync.poll', () => {
  it('sees every change announced before it was called, even with a poll already under way', async () => {
    const { feed, announced, reads } = gatedFeed();
    const refreshed: string[] = [];
    const store: SyncedStore = { onSaved: () => {}, refresh: async (id) => void refreshed.push(id), refreshAll: async () => {} };
    const sync = new InstanceSync(feed, new Map([['feed', store]]), pino({ level: 'silent' }));
    const early = sync.poll();
    await Promise.resolve();
    expect(reads).toHaveLength(1);
    // Announced after the running poll read the feed: a new caller must not settle for that poll.
    announced.push({ kind: 'feed', id: 'f1' });
    let lateDone = false;
    const late = sync.poll().then(() => void (lateDone = true));
    const alsoLate = sync.poll();
    reads[0]!.finish();
    await early;
    await new Promise((r) => setImmediate(r));
    expect(lateDone).toBe(false);
    // One more read serves both late callers.
    expect(reads).toHaveLength(2);
    reads[1]!.finish();
    await Promise.all([late, alsoLate]);
    expect(refreshed).toEqual(['f1']);
  });
});
