import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareParsed, numericVersion, parsedVersion } from '../../../src/manifest/numeric-version.ts';
import { APP, clientFormat } from '../../../src/manifest/update-selection.ts';
import { compareVersions } from '../../../src/version/toolkit-version.ts';

/** The shortcut must order exactly as the toolkit comparator, numeric or not. */
const part = fc.oneof(
  fc.integer({ min: 0, max: 999_999_999 }).map(String),
  fc.constantFrom('0', '00', '01', '007', '*', '9', '10', '999999999', '1000000000', '2147483647', '1a', 'b2', '+', '1+', 'pre', ''),
);
const version = fc.array(part, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'));

describe('numeric version shortcut', () => {
  it('agrees with compareVersions on every pair (numeric pairs take the shortcut)', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareParsed(parsedVersion(a), parsedVersion(b))).toBe(compareVersions(a, b));
      }),
      { numRuns: 20_000 },
    );
  });

  it('picks the client format as a full comparison with 57.0a1 / 60.0a1 would', () => {
    fc.assert(
      fc.property(version, (v) => {
        expect(clientFormat(APP.firefox, v)).toBe(compareVersions(v, '57.0a1') >= 0 ? 'json' : 'rdf');
        expect(clientFormat(APP.thunderbird, v)).toBe(compareVersions(v, '60.0a1') >= 0 ? 'json' : 'rdf');
      }),
      { numRuns: 20_000 },
    );
    for (const v of ['56.9', '57', '57.0', '57.0a1', '57.0a0', '56.*', '60.0b1', '59.99']) {
      expect(clientFormat(APP.firefox, v), v).toBe(compareVersions(v, '57.0a1') >= 0 ? 'json' : 'rdf');
      expect(clientFormat(APP.thunderbird, v), v).toBe(compareVersions(v, '60.0a1') >= 0 ? 'json' : 'rdf');
    }
  });

  it('recognises only plain dotted numbers and whole-part stars', () => {
    expect(numericVersion('115.0.2')).toEqual([115, 0, 2]);
    expect(numericVersion('2.53.*')).toEqual([2, 53, 2147483647]);
    for (const v of ['57.0a1', '1.0+', '*', '1..2', '1.', '1234567890', ' 1', '1.0pre']) expect(numericVersion(v), v).toBeUndefined();
  });
});
