import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  isValidAppVersionRange,
  isValidVersion,
  sortNewestFirst,
} from '../../../src/version/toolkit-version.ts';

/**
 * Properties of the toolkit version comparator (update-protocols.md §3): the example table in
 * toolkit-version.test.ts pins Mozilla's answers; these check that the answers form one total
 * order, which is what sorting, "newest compatible version" and min/max checks rely on.
 */

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Parts that hit every branch of the part grammar `<number-a><string-b><number-c><extra-d>`. */
const specialPart = fc.constantFrom(
  '', '0', '1', '2', '9', '10', '01', '*', '+', '1+', '2+', 'a', 'b', 'pre', 'rc', '1a', '1b2', '1b10',
  '1pre', '1pre1', '-1', ' 1', '1 ', '1a-1', '1a+1', '1a1b', '2147483646', '2147483647', '2147483648',
  '2147483647+', '\u00e9', '1\u0000x',
);
const builtPart = fc
  .tuple(
    fc.integer({ min: -3, max: 30 }),
    fc.constantFrom('', 'a', 'b', 'pre', 'A', 'z'),
    fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
    fc.constantFrom('', 'x', 'b'),
  )
  .map(([a, b, c, d]) => `${a}${b}${c === undefined ? '' : `${c}${d}`}`);
/** Short dotted versions from a small vocabulary, so equal and nearly equal pairs are common. */
const versionLike = fc.array(fc.oneof(specialPart, builtPart), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));

/** A prefix of parts to put before the part under test; NUL would end the version before it. */
const leadingParts = versionLike.filter((v) => !v.includes('\u0000'));
/** Pairs known to be equal: appended zero or empty parts, a cut at NUL, or spellings from a tiny vocabulary. */
const tinyVersion = fc
  .array(fc.constantFrom('1', '01', '1.0', '', '0', '1+', '2pre', '2pre0', '1pre', '*', '2147483647'), { maxLength: 3 })
  .map((parts) => parts.join('.'));
const equalPair = fc.oneof(
  fc.tuple(versionLike, fc.constantFrom('.0', '.', '.0.0', '\u0000z', '')).map(([v, tail]) => [v, v + tail] as const),
  fc.tuple(tinyVersion, tinyVersion).filter(([a, b]) => compareVersions(a, b) === 0),
);

const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
/** Anything a client or a package could send, lone surrogates and NUL included. */
const anyString = fc.oneof(versionLike, fc.string({ unit: 'binary' }), fc.string({ unit: utf16Unit }));

const int32 = fc.integer({ min: INT32_MIN, max: INT32_MAX });
const letters = fc.stringMatching(/^[A-Za-z]{1,6}$/);
const cmp = compareVersions;

describe('compareVersions properties', () => {
  it('never throws and always answers -1, 0 or 1, on any pair of strings', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        expect([-1, 0, 1]).toContain(cmp(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('is reflexive: every string equals itself', () => {
    fc.assert(fc.property(anyString, (a) => cmp(a, a) === 0), { numRuns: 1000 });
  });

  it('is antisymmetric: swapping the arguments negates the answer', () => {
    fc.assert(fc.property(anyString, anyString, (a, b) => cmp(a, b) === 0 - cmp(b, a)), { numRuns: 2000 });
  });

  it('is transitive, for <= and for <', () => {
    fc.assert(
      fc.property(versionLike, versionLike, versionLike, (a, b, c) => {
        if (cmp(a, b) <= 0 && cmp(b, c) <= 0) expect(cmp(a, c)).toBeLessThanOrEqual(0);
        if (cmp(a, b) < 0 && cmp(b, c) <= 0) expect(cmp(a, c)).toBe(-1);
      }),
      { numRuns: 5000 },
    );
  });

  it('treats equal versions as interchangeable (equality is an equivalence)', () => {
    fc.assert(
      fc.property(equalPair, fc.oneof(versionLike, tinyVersion), ([a, b], c) => {
        expect(cmp(a, b)).toBe(0);
        expect(cmp(a, c)).toBe(cmp(b, c));
      }),
      { numRuns: 2000 },
    );
  });

  it('treats missing and empty parts as 0 ("1" == "1.0.0" == "1.")', () => {
    fc.assert(
      fc.property(anyString, fc.constantFrom('.0', '.', '.0.0', '..0', '.00'), (v, tail) => cmp(v, v + tail) === 0),
      { numRuns: 1000 },
    );
  });

  it('reads "n+" as "(n+1)pre", ignoring what follows the + ("1.0+" == "1.1pre")', () => {
    const noDot = fc.string({ unit: 'binary' }).filter((s) => !s.includes('.'));
    fc.assert(
      fc.property(leadingParts, fc.integer({ min: INT32_MIN, max: INT32_MAX - 1 }), noDot, (prefix, n, junk) => {
        expect(cmp(`${prefix}.${n}+`, `${prefix}.${n + 1}pre`)).toBe(0);
        expect(cmp(`${n}+${junk}`, `${n + 1}pre`)).toBe(0);
      }),
    );
    expect(cmp('1.0+', '1.1pre')).toBe(0);
  });

  it('compares number parts numerically, whatever their leading zeros', () => {
    fc.assert(
      fc.property(leadingParts, int32, int32, fc.nat(3), (prefix, a, b, zeros) => {
        const padded = a >= 0 ? '0'.repeat(zeros) + a : String(a);
        expect(cmp(`${prefix}.${padded}`, `${prefix}.${b}`)).toBe(Math.sign(a - b));
      }),
    );
  });

  it('puts a part with a string before the same part without one ("1.0a" < "1.0")', () => {
    fc.assert(
      fc.property(leadingParts, int32, letters, (prefix, n, s) => cmp(`${prefix}.${n}${s}`, `${prefix}.${n}`) === -1),
    );
  });

  it('makes a "*" part newer than any other number part ("1.*" > "1.99")', () => {
    fc.assert(
      fc.property(leadingParts, fc.integer({ min: INT32_MIN, max: INT32_MAX - 1 }), fc.constantFrom('', 'a', 'pre1'), (prefix, n, s) => {
        expect(cmp(`${prefix}.*`, `${prefix}.${n}${s}`)).toBe(1);
      }),
    );
  });

  it('ends a version at NUL, as the C string it is in the client', () => {
    fc.assert(fc.property(anyString, anyString, (a, b) => cmp(`${a}\u0000${b}`, a) === 0), { numRuns: 1000 });
  });

  it('orders all-numeric versions like zero-padded integer lists (a reference model)', () => {
    const numeric = fc.array(fc.integer({ min: 0, max: INT32_MAX }), { minLength: 1, maxLength: 5 });
    const model = (x: number[], y: number[]): number => {
      for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const d = Math.sign((x[i] ?? 0) - (y[i] ?? 0));
        if (d !== 0) return d;
      }
      return 0;
    };
    fc.assert(fc.property(numeric, numeric, (x, y) => cmp(x.join('.'), y.join('.')) === model(x, y)), { numRuns: 1000 });
  });

  it('sorts consistently: after sorting, every earlier element is <= every later one', () => {
    fc.assert(
      fc.property(fc.array(versionLike, { maxLength: 30 }), (versions) => {
        const sorted = [...versions].sort(cmp);
        for (let i = 0; i < sorted.length; i++) {
          for (let j = i + 1; j < sorted.length; j++) expect(cmp(sorted[i]!, sorted[j]!)).toBeLessThanOrEqual(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('sortNewestFirst properties', () => {
  it('returns a permutation, newest first, equal versions in input order', () => {
    fc.assert(
      fc.property(fc.array(versionLike, { maxLength: 30 }), (versions) => {
        const items = versions.map((version, index) => ({ version, index }));
        const sorted = sortNewestFirst(items, (item) => item.version);
        expect(sorted.map((item) => item.index).sort((x, y) => x - y)).toEqual(items.map((item) => item.index));
        for (let i = 1; i < sorted.length; i++) {
          const order = cmp(sorted[i - 1]!.version, sorted[i]!.version);
          expect(order).toBeGreaterThanOrEqual(0);
          if (order === 0) expect(sorted[i - 1]!.index).toBeLessThan(sorted[i]!.index);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('version validity properties', () => {
  it('never throws, and every valid add-on version is also a valid application version', () => {
    fc.assert(
      fc.property(anyString, (v) => {
        const valid = isValidVersion(v);
        expect(typeof isValidAppVersionRange(v)).toBe('boolean');
        if (valid) expect(isValidAppVersionRange(v)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
