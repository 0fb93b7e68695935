import { describe, it, expect } from 'vitest';
import {
  compareVersions,
  isValidAppVersionRange,
  isValidVersion,
  sortNewestFirst,
} from '../../../src/version/toolkit-version.ts';

type Relation = '<' | '=' | '>';
const SIGN: Record<Relation, number> = { '<': -1, '=': 0, '>': 1 };

// Each row reads "a <relation> b" under nsVersionComparator.
const PAIRS: Array<[string, Relation, string]> = [
  // The rules named in the update-protocols spec.
  ['1.0', '<', '1.0.1'],
  ['1.0a', '<', '1.0'],
  ['1.0pre1', '<', '1.0'],
  ['1.*', '>', '1.99'],
  ['1.1', '=', '1.1.0'],
  ['1.0+', '=', '1.1pre'],
  ['1.0b1', '<', '1.0b2'],
  ['1.0b2', '<', '1.0b10'],
  ['1.0pre', '<', '1.0'],
  ['1.0a', '<', '1.0b'],
  ['1.-1', '<', '1'],
  ['2', '>', '1.9999'],
  ['1.10', '>', '1.9'],
  ['3.0a1', '<', '3.0b1'],
  ['3.0b1', '<', '3.0rc1'],
  ['3.0rc1', '<', '3.0'],
  ['1.0.0.0', '=', '1'],
  ['*', '>', '999999'],
  ['1.0c', '<', '1.0'],
  ['4.0b5pre', '<', '4.0'],
  ['2.0.0.*', '>', '2.0.0.20'],
  ['0.1b6pre', '<', '0.1b6'],
  // Versions from the scriptish and propachi vectors (add-on versions and app ranges).
  ['0.1b4', '<', '0.1b5'],
  ['0.1b5', '<', '0.1b6pre'],
  ['0.1b6', '<', '0.1'],
  ['1.1.5', '>', '1.1.4'],
  ['1.1.5', '<', '1.1.10'],
  ['1.1.5', '=', '1.1.5.0'],
  ['2.1a3', '<', '2.1'],
  ['2.1', '<', '2.1.*'],
  ['2.1.*', '<', '2.2a1'],
  ['3.6', '<', '4.0b5pre'],
  ['4.0b5pre', '<', '4.0.*'],
  ['4.0.*', '<', '38.*'],
  ['38.0.5', '<', '38.*'],
  ['38.*', '<', '39.0a1'],
  // Mozilla's own equalities.
  ['1.1pre', '=', '1.1pre0'],
  ['1.0+', '=', '1.1pre0'],
  // string-b: byte order, shorter prefix first, absent last.
  ['1.0a', '<', '1.0alpha'],
  ['1.0alpha', '<', '1.0b'],
  ['1.0A', '<', '1.0a'],
  ['1.0rc', '>', '1.0pre'],
  ['pre', '<', '0'],
  ['1-', '<', '1'],
  // number-c and extra-d.
  ['1.0a', '=', '1.0a0'],
  ['1.0a-1', '<', '1.0a'],
  ['1.0a+1', '=', '1.0a1'],
  ['1.0a1b', '<', '1.0a1'],
  ['1.0a1b', '<', '1.0a1c'],
  ['1.0a1.1', '>', '1.0a1'],
  // `+` and `*`.
  ['1+', '=', '2pre'],
  ['1+5', '=', '2pre'],
  ['+', '=', '1pre'],
  ['1.5*', '<', '1.5'],
  ['*', '=', '2147483647'],
  ['*', '>', '2147483646'],
  ['*.1', '>', '*'],
  // strtol parsing: leading zeros, sign, whitespace, trailing garbage.
  ['01', '=', '1'],
  ['1.010', '=', '1.10'],
  ['+5', '=', '5'],
  [' 1', '=', '1'],
  ['1.0 ', '<', '1.0'],
  // Empty parts act as "0".
  ['', '=', '0'],
  ['1.', '=', '1'],
  ['1..2', '=', '1.0.2'],
  // Numbers outside int32 become 0 (current Firefox); -2^31 is still in range.
  ['2147483648', '=', '0'],
  ['8321499136', '<', '0.9'],
  ['1.99999999999999999999', '=', '1.0'],
  ['-2147483648', '<', '-2147483647'],
  ['-2147483649', '=', '0'],
  ['1.0a2147483648', '=', '1.0a'],
  // `2147483647+` wraps to -2^31 (our documented choice for C's undefined overflow).
  ['2147483647+', '<', '-2147483647'],
  // A C string ends at NUL.
  ['1.0\u00001', '=', '1.0'],
  // Non-ASCII compares by UTF-8 bytes.
  ['1.0z', '<', '1.0\u00e9'],
];

describe('compareVersions', () => {
  it('has a table of at least 40 pairs', () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(PAIRS)('%j %s %j, and the reverse is the opposite', (a, relation, b) => {
    expect(compareVersions(a, b)).toBe(SIGN[relation]);
    expect(compareVersions(b, a)).toBe(0 - SIGN[relation]); // 0 - x, not -x: never -0
  });

  it('finds every version in the table equal to itself', () => {
    for (const [a, , b] of PAIRS) {
      expect(compareVersions(a, a)).toBe(0);
      expect(compareVersions(b, b)).toBe(0);
    }
  });

  // Mozilla's ladder (every version strictly newer than the previous); checking all pairs also
  // checks transitivity, which sorting relies on.
  const LADDER = [
    'pre', '2147483648', '0.9', '0.9.1', '1.0pre1', '1.0pre2', '1.0', '1.1pre', '1.1pre1a',
    '1.1pre1', '1.1pre10a', '1.1pre10', '1.1', '1.1.0.1', '1.1.1', '1.1.*', '1.*', '2.0', '2.1',
    '3.0.-1', '3.0',
  ];

  it('orders every pair of the ladder consistently', () => {
    for (let i = 0; i < LADDER.length; i++) {
      for (let j = 0; j < LADDER.length; j++) {
        const expected = Math.sign(i - j);
        expect([LADDER[i], LADDER[j], compareVersions(LADDER[i]!, LADDER[j]!)]).toEqual([
          LADDER[i],
          LADDER[j],
          expected,
        ]);
      }
    }
  });
});

describe('isValidVersion', () => {
  it.each([
    '1', '1.0', '0.1b6pre', '1.1.5', '1.0+', '4.0b5pre', '2.0.0.20', '1.0-beta', '1.-1', '3.0rc1',
    '2147483647', '-2147483648', '2147483646+', '1.'.repeat(31) + '12',
  ])('accepts %j', (v) => {
    expect(v.length).toBeLessThanOrEqual(64);
    expect(isValidVersion(v)).toBe(true);
  });

  it.each([
    '',
    '1'.repeat(65),
    '1.'.repeat(32) + '1',
    '.1',
    '1.',
    '1..0',
    '..',
    '.',
    '../1',
    '1/0',
    '1\\0',
    '1 0',
    ' 1',
    '1.0\n',
    '1.0\t',
    '1%2e0',
    '1.0_1',
    '1,0',
    '1.0\u00e9',
    '1.0\u0000',
    '1.*',
    '*',
    '1.0*',
    '2147483648',
    '1.99999999999',
    '1.0a2147483648',
    '-2147483649',
    '2147483647+',
  ])('rejects %j', (v) => {
    expect(isValidVersion(v)).toBe(false);
  });

  it('rejects values that are not strings', () => {
    for (const v of [null, undefined, 1, {}, ['1.0']]) {
      expect(isValidVersion(v as unknown as string)).toBe(false);
    }
  });
});

describe('isValidAppVersionRange', () => {
  it.each(['*', '1.*', '38.*', '4.0.*', '2.1.*', '2.1a3', '4.0b5pre', '115.0', '128.*', '1.0+'])(
    'accepts %j',
    (v) => {
      expect(isValidAppVersionRange(v)).toBe(true);
    },
  );

  it.each([
    '',
    '1.5*',
    '1.*a',
    '**',
    '*.',
    '.*',
    '1..*',
    '../*',
    '1.0/2',
    '1.0 ',
    '%2A',
    '1'.repeat(65),
    '2147483648.*',
  ])('rejects %j', (v) => {
    expect(isValidAppVersionRange(v)).toBe(false);
  });
});

describe('sortNewestFirst', () => {
  const release = (version: string, tag: string) => ({ version, tag });

  it('puts the newest version first', () => {
    const items = ['1.0', '0.1b6pre', '1.0.1', '1.0a', '0.1b6', '1.*', '0.9'].map((v) =>
      release(v, v),
    );
    expect(sortNewestFirst(items, (r) => r.version).map((r) => r.version)).toEqual([
      '1.*',
      '1.0.1',
      '1.0',
      '1.0a',
      '0.9',
      '0.1b6',
      '0.1b6pre',
    ]);
  });

  it('keeps the input order of equal versions', () => {
    const items = [
      release('1.0', 'first'),
      release('2.0', 'newest'),
      release('1.0.0', 'second'),
      release('1.1pre', 'x'),
      release('1', 'third'),
      release('1.0+', 'y'),
    ];
    expect(sortNewestFirst(items, (r) => r.version).map((r) => r.tag)).toEqual([
      'newest',
      'x',
      'y',
      'first',
      'second',
      'third',
    ]);
  });

  it('returns a new array and leaves the input untouched', () => {
    const items = [release('1.0', 'a'), release('2.0', 'b')];
    const before = [...items];
    const sorted = sortNewestFirst(items, (r) => r.version);
    expect(sorted).not.toBe(items);
    expect(items).toEqual(before);
    expect(sorted.map((r) => r.tag)).toEqual(['b', 'a']);

    const empty: Array<{ version: string }> = [];
    const sortedEmpty = sortNewestFirst(empty, (r) => r.version);
    expect(sortedEmpty).toEqual([]);
    expect(sortedEmpty).not.toBe(empty);
  });

  it('works on plain strings', () => {
    expect(sortNewestFirst(['0.1b4', '0.1b6pre', '0.1b5'], (v) => v)).toEqual([
      '0.1b6pre',
      '0.1b5',
      '0.1b4',
    ]);
  });
});
