import { describe, expect, it } from 'vitest';
import { readRcc } from '../../../src/vpn/rcc-read.ts';
import { VpnError } from '../../../src/vpn/vpn-errors.ts';
import { fixture, FIXTURES } from './vpn-fixtures.ts';

/**
 * Every prefix of every committed fixture: each is refused with a VpnError (never another
 * exception), and all of them together are read in well under the test timeout (never a hang).
 */
describe('readRcc on truncated files', () => {
  it.each(Object.keys(FIXTURES) as (keyof typeof FIXTURES)[])('refuses every truncation of %s with a VpnError', (name) => {
    const bytes = fixture(name);
    const started = performance.now();
    for (let length = 0; length < bytes.length; length++) {
      expect(() => readRcc(bytes.subarray(0, length)), `truncated to ${length} bytes`).toThrow(VpnError);
    }
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('refuses every file with one byte appended', () => {
    for (const name of Object.keys(FIXTURES) as (keyof typeof FIXTURES)[]) {
      expect(() => readRcc(Buffer.concat([fixture(name), Buffer.from([0])]))).toThrow(VpnError);
    }
  });
});
