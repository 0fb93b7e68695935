import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from '../../../src/app/concurrently.ts';

/** A task that finishes only when the test says so, so overlap is observed, never timed. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('forEachConcurrently', () => {
  it('never runs more than the limit at once, and runs every item once', async () => {
    const gates = Array.from({ length: 7 }, gate);
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    const done = forEachConcurrently([0, 1, 2, 3, 4, 5, 6], 3, async (i) => {
      started.push(i);
      peak = Math.max(peak, ++running);
      await gates[i]!.promise;
      running--;
    });
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) {
      g.open();
      await new Promise((r) => setImmediate(r));
    }
    await done;
    expect(started.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(3);
  });

  it('lets every task finish when one fails, then throws the first failure', async () => {
    const finished: number[] = [];
    const run = forEachConcurrently([1, 2, 3, 4], 2, async (i) => {
      await new Promise((r) => setImmediate(r));
      if (i === 2 || i === 3) throw new Error(`task ${i}`);
      finished.push(i);
    });
    await expect(run).rejects.toThrow('task 2');
    expect(finished.sort()).toEqual([1, 4]);
  });

  it('settles at once for no items', async () => {
    let calls = 0;
    await forEachConcurrently([], 4, async () => void calls++);
    expect(calls).toBe(0);
  });
});
