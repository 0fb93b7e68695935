import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RCC } from '../../../src/limits.ts';
import { inspectVpnAddon } from '../../../src/vpn/vpn-addon.ts';
import { rccOf } from './rcc-build.ts';
import { fixture, SOURCES, vpnCode } from './vpn-fixtures.ts';

const manifest = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ id: 'guide_x', name: 'X', api_version: '0.1', type: 'guide', ...extra });

describe('inspectVpnAddon', () => {
  it('reads the fixture add-on, its files, and the sha256 the index lists', () => {
    const bytes = fixture('zstd');
    const addon = inspectVpnAddon(bytes, { fileName: 'message_demo.rcc', now: new Date('2024-01-01T00:00:00Z') });
    expect(addon.manifest.id).toBe('message_demo');
    expect(addon.files.map((f) => f.path)).toEqual(Object.keys(SOURCES).sort());
    expect(addon.sha256).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
    expect(addon.warnings).toEqual([]);
  });

  it('gives the same manifest for every format and compression', () => {
    const ids = (['v1', 'v2', 'zstd', 'zlib', 'none'] as const).map((name) => inspectVpnAddon(fixture(name)).manifest);
    for (const m of ids) expect(m).toEqual(ids[0]);
  });

  it('refuses an add-on published under another name', () => {
    expect(vpnCode(() => inspectVpnAddon(fixture('zstd'), { fileName: 'message_other.rcc' }))).toBe('VPN_ID_MISMATCH');
  });

  it('refuses an add-on whose manifest is under a prefix', () => {
    expect(vpnCode(() => inspectVpnAddon(fixture('prefixed')))).toBe('VPN_MANIFEST_MISSING');
  });

  it('reports conditions no client will meet', () => {
    const bytes = rccOf({ 'manifest.json': manifest({ conditions: { platforms: ['beos'], start_time: 10, end_time: 5 } }) });
    expect(inspectVpnAddon(bytes).warnings.map((w) => w.code)).toEqual(['END_BEFORE_START', 'UNKNOWN_PLATFORM', 'NO_KNOWN_PLATFORM']);
  });

  it('finds the scripts the manifest names, relative to manifest.json', () => {
    const scripts = { conditions: { javascript: 'js/cond.js' }, javascript: { enable: 'on.js', disable: 'off.js' } };
    const bytes = rccOf({ 'manifest.json': manifest(scripts), 'js/cond.js': '()=>1', 'on.js': '', 'off.js': '' });
    expect(inspectVpnAddon(bytes).manifest.javascript).toEqual({ enable: 'on.js', disable: 'off.js' });
  });

  it.each([
    ['a missing condition script', { conditions: { javascript: 'nope.js' } }],
    ['a missing enable script', { javascript: { enable: 'nope.js' } }],
    ['a script outside the add-on', { javascript: { disable: '../on.js' } }],
    ['an absolute script path', { conditions: { javascript: '/on.js' } }],
    ['a Qt resource path', { conditions: { javascript: ':/on.js' } }],
  ])('refuses %s', (_, extra) => {
    const bytes = rccOf({ 'manifest.json': manifest(extra), 'on.js': '' });
    expect(vpnCode(() => inspectVpnAddon(bytes))).toBe('VPN_MANIFEST_INVALID');
  });

  it('applies the limits it is given', () => {
    expect(vpnCode(() => inspectVpnAddon(fixture('zstd'), { limits: { ...RCC, maxFileBytes: 100 } }))).toBe('VPN_RCC_TOO_LARGE');
  });
});
