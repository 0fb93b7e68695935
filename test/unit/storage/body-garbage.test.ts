import { describe, expect, it } from 'vitest';
import { STEP_BYTES, youngCollector } from '../../../src/storage/body-garbage.ts';

describe('youngCollector', () => {
  it('collects the young generation once per step of body bytes, across uploads', () => {
    const calls: unknown[] = [];
    const read = youngCollector((options) => calls.push(options), 100);
    read(60);
    expect(calls).toEqual([]);
    read(40);
    expect(calls).toEqual([{ type: 'minor' }]);
    // A second upload's bytes count towards the same step.
    for (let i = 0; i < 9; i++) read(10);
    expect(calls).toHaveLength(1);
    read(10);
    expect(calls).toHaveLength(2);
  });

  it('does nothing where the process has no gc (started without --expose-gc)', () => {
    const read = youngCollector(undefined);
    expect(() => read(10 * STEP_BYTES)).not.toThrow();
  });
});
