import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { DataLayout } from '../../src/storage/data-layout.ts';
import { codeOf } from '../helpers/error-code.ts';

const vpn = (env: NodeJS.ProcessEnv) => loadConfig(env, '/srv').vpn;

describe('the VPN index settings', () => {
  it('defaults to /vpn, the key "vpn" and 30 days', () => {
    expect(vpn({})).toEqual({ prefix: '/vpn', keyName: 'vpn', indexDays: 30, channels: [{ name: 'production', prefix: '/vpn', keyName: 'vpn' }] });
    expect(vpn({ OUTPOST_VPN_PREFIX: '/addons/vpn/', OUTPOST_VPN_KEY: 'index-2026', OUTPOST_VPN_INDEX_DAYS: '7' })).toMatchObject({ prefix: '/addons/vpn', keyName: 'index-2026', indexDays: 7 });
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

  it('adds channels, each with its own folder and key, production first', () => {
    expect(vpn({ OUTPOST_VPN_CHANNELS: 'staging:/vpn-staging:vpn-staging, beta:/beta/vpn/:beta-key' }).channels).toEqual([
      { name: 'production', prefix: '/vpn', keyName: 'vpn' },
      { name: 'staging', prefix: '/vpn-staging', keyName: 'vpn-staging' },
      { name: 'beta', prefix: '/beta/vpn', keyName: 'beta-key' },
    ]);
  });

  it.each([
    'staging:/vpn-staging', // no key
    'staging:/vpn-staging:k:extra',
    'Staging:/vpn-staging:k', // not lowercase
    'production:/vpn2:k', // the name production has
    'staging:/vpn-staging:vpn', // production's key
    'staging:/vpn:k', // production's folder
    'staging:/vpn/staging:k', // inside production's folder
    'staging:/VPN:k', // production's folder on a case-insensitive file system
    'staging:/Files:k', // a folder Outpost serves, in other case
    'a:/x:k1,b:/x/y:k2', // one inside the other
    'staging:/files:k', // a folder Outpost serves already
    'staging:/../x:k',
    'staging:/s:../k',
  ])('refuses OUTPOST_VPN_CHANNELS=%j', (value) => {
    expect(codeOf(() => vpn({ OUTPOST_VPN_CHANNELS: value }))).toBe('CONFIG_INVALID');
  });

  it('keeps every channel\'s private folder apart from production\'s and from add-on ids', () => {
    const layout = new DataLayout('/srv/storage');
    expect(layout.vpnRecordsDirOf('production')).toBe('/srv/storage/private/vpn');
    expect(layout.vpnStateFileOf('production')).toBe('/srv/storage/private/vpn-index.json');
    expect(layout.vpnRecordsDirOf('staging')).toBe('/srv/storage/private/vpn-channels/staging/records');
    expect(layout.vpnStateFileOf('staging')).toBe('/srv/storage/private/vpn-channels/staging/index.json');
    expect(layout.vpnWithdrawnPath('x', 'a.rcc', 'staging')).toBe('/srv/storage/private/vpn-channels/staging/withdrawn/x/a.rcc');
    expect(codeOf(() => layout.vpnRecordsDirOf('../x'))).toBe('STORAGE_PATH_REFUSED');
  });
});
