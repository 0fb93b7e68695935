import { describe, expect, it } from 'vitest';
import { checkExtensionVersion, compareChromiumVersions, isChromiumVersion, parseChromiumVersion } from '../../../src/crx/chromium-version.ts';
import { crxCodeOfSync } from '../../helpers/crx-expect.ts';

describe('parseChromiumVersion (base::Version)', () => {
  // What Chromium 156's packer did with each as an extension "version" (parts beyond 4 aside).
  it.each([
    ['1.0', [1, 0]],
    ['1.00', [1, 0]],
    ['0', [0]],
    ['0.0.0.0', [0, 0, 0, 0]],
    ['0.01', [0, 1]],
    ['4294967295', [4294967295]],
    ['1.4294967295', [1, 4294967295]],
    ['156.0.8078.114', [156, 0, 8078, 114]],
    ['120.0.1.2.3', [120, 0, 1, 2, 3]], // a minimum_chrome_version Chromium takes
  ])('reads %s', (text, parts) => {
    expect(parseChromiumVersion(text)).toEqual(parts);
  });

  it.each(['', '01.0', '00', '4294967296', '1.4294967296', '1..0', '1.0.', '.1', '+1', '1.+1', ' 1.0', '1.0 ', '1.-0', '1e2', '１', '1.0a', '99999999999999999999'])(
    'refuses %j, as Chromium does',
    (text) => {
      expect(parseChromiumVersion(text)).toBeUndefined();
      expect(isChromiumVersion(text)).toBe(false);
    },
  );
});

describe('compareChromiumVersions', () => {
  it.each([
    ['1.0', '1.0.0', 0],
    ['1.0', '1.00', 0],
    ['1.10', '1.9', 1],
    ['1.0.1', '1.0', 1],
    ['2', '1.99.99.99', 1],
    ['0.0.0.0', '0', 0],
    ['156.0.8078.114', '156.0.8078.99', 1],
    ['120', '156.0.8078.114', -1],
  ])('%s vs %s is %d', (a, b, expected) => {
    expect(compareChromiumVersions(a, b)).toBe(expected);
    expect(compareChromiumVersions(b, a)).toBe(-expected || 0);
  });

  it('throws on a non-version', () => {
    expect(() => compareChromiumVersions('1.a', '1')).toThrow(RangeError);
  });
});

describe('checkExtensionVersion', () => {
  it.each(['0', '1', '1.0', '1.2.3.4', '65535.65535.65535.65535', '10.0.0'])('accepts %s', (v) => {
    expect(checkExtensionVersion(v)).toBe(v);
  });

  it.each([
    '', '1.0.0.0.0', '01', '1.01', '1.00', '65536', '1.65536', '1.4294967295', '1..0', '1.0.', 'a', '1.0-beta', ' 1', '-1', '1e3',
  ])('refuses %j', (v) => {
    expect(crxCodeOfSync(() => checkExtensionVersion(v))).toBe('CRX_MANIFEST_VERSION_INVALID');
  });
});
