import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { DataLayout } from '../../src/storage/data-layout.ts';
import { codeOf } from '../helpers/error-code.ts';

const vpn = (env: NodeJS.ProcessEnv) => loadConfig(env, '/srv').vpn;

describe('the VPN index settings', () => {
  it('defaults to /vpn, the key "vpn" and 30 days', () => {
    expect(vpn({})).toEqual({ prefix: '/vpn', keyName: 'vpn', indexDays: 30 });
    expect(vpn({ OUTPOST_VPN_PREFIX: '/addons/vpn/', OUTPOST_VPN_KEY: 'index-2026', OUTPOST_VPN_INDEX_DAYS: '7' })).toEqual({ prefix: '/addons/vpn', keyName: 'index-2026', indexDays: 7 });
  });

  // The prefix becomes folders under public/: every segment passes the file-name rule.
  it.each(['vpn', '/', '/../private', '/vpn/../x', '/.hidden', '/a//b', '/v pn', '/files', '/updates/vpn', '/api/vpn', '/jami'])('refuses the prefix %j', (prefix) => {
    expect(codeOf(() => vpn({ OUTPOST_VPN_PREFIX: prefix }))).toBe('CONFIG_INVALID');
  });

  it('refuses a prefix that shares its first segment with the Jami store', () => {
    expect(codeOf(() => vpn({ OUTPOST_VPN_PREFIX: '/store/vpn', OUTPOST_JAMI_PREFIX: '/store' }))).toBe('CONFIG_INVALID');
  });

  it.each([['OUTPOST_VPN_KEY', '../vpn'], ['OUTPOST_VPN_KEY', '.vpn'], ['OUTPOST_VPN_INDEX_DAYS', '0'], ['OUTPOST_VPN_INDEX_DAYS', '1.5']])('refuses %s=%j', (name, value) => {
    expect(codeOf(() => vpn({ [name]: value }))).toBe('CONFIG_INVALID');
  });

  it('keeps the index folder inside the public tree whatever it is asked for', () => {
    const layout = new DataLayout('/srv/storage');
    expect(layout.vpnServedPath('/a/vpn', 'x.rcc')).toBe('/srv/storage/public/a/vpn/x.rcc');
    for (const [prefix, file] of [['/../private', 'x.rcc'], ['vpn', 'x.rcc'], ['/vpn', '../x.rcc'], ['/vpn', '.x.rcc']]) {
      expect(codeOf(() => layout.vpnServedPath(prefix!, file!))).toBe('STORAGE_PATH_REFUSED');
    }
  });
});
