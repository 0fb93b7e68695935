import { describe, expect, it } from 'vitest';
import { neverMetWarnings, parseConditions, type VpnConditions } from '../../../src/vpn/vpn-conditions.ts';
import { vpnCode } from './vpn-fixtures.ts';

const codes = (conditions: VpnConditions, now?: Date) => neverMetWarnings(conditions, { now }).map((w) => w.code);

describe('parseConditions', () => {
  it('maps every condition the client knows to our names', () => {
    // [name in manifest.json, our name, a value]
    const all: [string, keyof VpnConditions, unknown][] = [
      ['env', 'env', 'production'],
      ['min_client_version', 'minClientVersion', '2.14'],
      ['max_client_version', 'maxClientVersion', '2.30.1'],
      ['platforms', 'platforms', ['android', 'ios']],
      ['locales', 'locales', ['de', 'fr']],
      ['start_time', 'startTime', 1700000000],
      ['end_time', 'endTime', 1800000000],
      ['trigger_time', 'triggerTime', 86400],
      ['enabled_features', 'enabledFeatures', ['inAppMessaging']],
      ['settings', 'settings', [{ setting: 'startAtBoot', value: true, op: 'eq' }, { setting: 'theme', value: 'dark', op: 'neq' }]],
      ['javascript', 'javascript', 'cond.js'],
      ['translation_threshold', 'translationThreshold', 0.8],
    ];
    const parsed = parseConditions(Object.fromEntries(all.map(([wire, , value]) => [wire, value])));
    expect(parsed).toEqual(Object.fromEntries(all.map(([, ours, value]) => [ours, value])));
  });

  it('reads no conditions as none', () => {
    expect(parseConditions(undefined)).toEqual({});
    expect(parseConditions({})).toEqual({});
  });

  it.each([
    ['an unknown key, which makes the client drop the add-on', { enabledFeatures: [] }],
    ['__proto__ as a key', JSON.parse('{"__proto__": 1}')],
    ['env as a number', { env: 1 }],
    ['a version with a suffix the client drops', { min_client_version: '2.14beta' }],
    ['a version that is not one', { max_client_version: 'latest' }],
    ['platforms as a string', { platforms: 'linux' }],
    ['an empty platform name', { platforms: [''] }],
    ['locales with a number', { locales: ['de', 3] }],
    ['start_time in milliseconds as a fraction', { start_time: 1.5 }],
    ['a negative end_time', { end_time: -1 }],
    ['trigger_time as a string', { trigger_time: '60' }],
    ['settings as an object', { settings: {} }],
    ['a setting without a name', { settings: [{ value: 1, op: 'eq' }] }],
    ['a setting with an unknown operator', { settings: [{ setting: 'a', value: 1, op: 'gt' }] }],
    ['a setting with an object value', { settings: [{ setting: 'a', value: {}, op: 'eq' }] }],
    ['a setting with an extra key', { settings: [{ setting: 'a', value: 1, op: 'eq', note: 'x' }] }],
    ['an empty javascript name', { javascript: '' }],
    ['a negative translation_threshold', { translation_threshold: -0.5 }],
    ['translation_threshold as a string', { translation_threshold: '1' }],
  ])('refuses %s', (_, value) => {
    expect(vpnCode(() => parseConditions(value))).toBe('VPN_MANIFEST_INVALID');
  });
});

describe('neverMetWarnings', () => {
  it('has nothing to say about conditions some client meets', () => {
    expect(codes({ platforms: ['linux'], startTime: 1, endTime: 2, minClientVersion: '2.1', maxClientVersion: '2.1', env: 'staging' })).toEqual([]);
    expect(codes({})).toEqual([]);
  });

  it('finds an end before the start', () => {
    expect(codes({ startTime: 2000, endTime: 1000 })).toEqual(['END_BEFORE_START']);
    expect(codes({ startTime: 2000, endTime: 2000 })).toEqual(['END_BEFORE_START']);
  });

  it('finds an end that has passed, given the time', () => {
    expect(codes({ endTime: 1000 }, new Date(1_000_001))).toEqual(['ENDED']);
    expect(codes({ endTime: 1000 }, new Date(999_999))).toEqual([]);
    expect(codes({ endTime: 1000 })).toEqual([]);
  });

  it('finds unknown platforms, and lists that name none', () => {
    expect(codes({ platforms: ['linux', 'freebsd'] })).toEqual(['UNKNOWN_PLATFORM']);
    expect(codes({ platforms: ['Linux'] })).toEqual(['UNKNOWN_PLATFORM', 'NO_KNOWN_PLATFORM']);
    expect(codes({ platforms: [] })).toEqual(['NO_KNOWN_PLATFORM']);
    // "dummy" is the platform of the client's own test builds.
    expect(codes({ platforms: ['dummy'] })).toEqual(['NO_KNOWN_PLATFORM']);
  });

  it('compares client versions as QVersionNumber does', () => {
    expect(codes({ minClientVersion: '2.10', maxClientVersion: '2.9' })).toEqual(['MIN_ABOVE_MAX']);
    expect(codes({ minClientVersion: '2.9', maxClientVersion: '2.10' })).toEqual([]);
    expect(codes({ minClientVersion: '2.1.0', maxClientVersion: '2.1' })).toEqual(['MIN_ABOVE_MAX']);
    expect(codes({ minClientVersion: '3', maxClientVersion: '2.99.99' })).toEqual(['MIN_ABOVE_MAX']);
  });

  it('finds an unknown env and a threshold no translation reaches', () => {
    expect(codes({ env: 'beta' })).toEqual(['UNKNOWN_ENV']);
    expect(codes({ env: '' })).toEqual([]);
    expect(codes({ translationThreshold: 1.5 })).toEqual(['THRESHOLD_ABOVE_ONE']);
  });
});
