import { describe, expect, it } from 'vitest';
import { readRcc } from '../../../src/vpn/rcc-read.ts';
import { findVpnManifest, idFromFileName, parseVpnManifest } from '../../../src/vpn/vpn-manifest.ts';
import { fixture, SOURCES, vpnCode } from './vpn-fixtures.ts';

const minimal = { id: 'message_x', name: 'X', api_version: '0.1', type: 'message' };
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const parse = (value: unknown, fileName?: string) => parseVpnManifest(json(value), { fileName });

describe('parseVpnManifest', () => {
  it('reads the fixture add-on manifest', () => {
    const manifest = parseVpnManifest(SOURCES['manifest.json']!, { fileName: 'message_demo.rcc' });
    expect(manifest).toEqual({
      id: 'message_demo',
      name: 'Demo message',
      apiVersion: '0.1',
      type: 'message',
      conditions: { platforms: ['linux', 'macos', 'windows'], minClientVersion: '2.14.0', startTime: 1700000000, javascript: 'condition.js' },
      state: { session: { shown: { type: 'boolean', default: false } } },
      javascript: undefined,
    });
  });

  it.each(['demo', 'guide', 'i18n', 'message', 'replacer', 'tutorial'])('accepts the type %s', (type) => {
    expect(parse({ ...minimal, type }).type).toBe(type);
  });

  it('checks the id against the file name when one is given', () => {
    expect(parse(minimal, 'message_x.rcc').id).toBe('message_x');
    expect(vpnCode(() => parse(minimal, 'message_y.rcc'))).toBe('VPN_ID_MISMATCH');
    expect(vpnCode(() => parse(minimal, 'message_x.zip'))).toBe('VPN_ID_MISMATCH');
    expect(idFromFileName('a.b.rcc')).toBe('a.b');
  });

  it.each(['../x', 'a/b', '.hidden', 'trailing.', 'a b', 'é', 'x'.repeat(81), 'a..b'])('refuses the id %j, which cannot be a file name', (id) => {
    expect(vpnCode(() => parse({ ...minimal, id }))).toBe('VPN_ID_INVALID');
  });

  it.each([
    ['not JSON', Buffer.from('{')],
    ['not an object', json([minimal])],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ['two byte-order marks', Buffer.concat([Buffer.from('\ufeff\ufeff'), json(minimal)])],
    ['a key twice', Buffer.from('{"id":"a","name":"A","api_version":"0.1","type":"message","type":"guide"}')],
    ['a key twice, spelled differently', Buffer.from('{"id":"a","name":"A","api_version":"0.1","type":"message","typ\\u0065":"guide"}')],
    ['a key twice in a nested object', json({ ...minimal, message: {} }).toString().replace('"message":{}', '"message":{"a":1,"a":2}')],
    ['deep nesting', Buffer.from(`{"id":"a","name":"A","api_version":"0.1","type":"message","x":${'['.repeat(100)}${']'.repeat(100)}}`)],
  ])('refuses %s', (_, bytes) => {
    expect(vpnCode(() => parseVpnManifest(Buffer.from(bytes)))).toBe('VPN_MANIFEST_INVALID');
  });

  it('accepts one byte-order mark, as Qt does', () => {
    expect(parseVpnManifest(Buffer.concat([Buffer.from('\ufeff'), json(minimal)])).id).toBe('message_x');
  });

  it.each([
    ['no id', { ...minimal, id: undefined }],
    ['an empty name', { ...minimal, name: '' }],
    ['a numeric name', { ...minimal, name: 3 }],
    ['no api_version', { ...minimal, api_version: undefined }],
    ['api_version 0.2', { ...minimal, api_version: '0.2' }],
    ['api_version as a number', { ...minimal, api_version: 0.1 }],
    ['an unknown type', { ...minimal, type: 'survey' }],
    ['no type', { ...minimal, type: undefined }],
    ['conditions as an array', { ...minimal, conditions: [] }],
    ['an unknown condition', { ...minimal, conditions: { enabledFeatures: ['x'] } }],
    ['state as a string', { ...minimal, state: 'x' }],
    ['an unknown state kind', { ...minimal, state: { persistent: {} } }],
    ['a state property of an unknown type', { ...minimal, state: { session: { a: { type: 'object', default: {} } } } }],
    ['a state default of the wrong type', { ...minimal, state: { session: { a: { type: 'number', default: '1' } } } }],
    ['javascript as a string', { ...minimal, javascript: 'x.js' }],
    ['an unknown javascript hook', { ...minimal, javascript: { start: 'x.js' } }],
  ])('refuses a manifest with %s', (_, value) => {
    expect(vpnCode(() => parse(value))).toBe('VPN_MANIFEST_INVALID');
  });

  it('reads state and scripts', () => {
    const manifest = parse({
      ...minimal,
      state: { session: { n: { type: 'number', default: 1 }, s: { type: 'string', default: '' } }, global: {} },
      javascript: { enable: 'on.js', disable: 'off.js' },
    });
    expect(manifest.state).toEqual({ session: { n: { type: 'number', default: 1 }, s: { type: 'string', default: '' } }, global: {} });
    expect(manifest.javascript).toEqual({ enable: 'on.js', disable: 'off.js' });
  });
});

describe('findVpnManifest', () => {
  it('finds manifest.json at the root of the resource', () => {
    expect(findVpnManifest(readRcc(fixture('zstd')).files).bytes).toEqual(SOURCES['manifest.json']);
  });

  it('refuses a resource whose manifest is under a prefix, where the client never looks', () => {
    expect(vpnCode(() => findVpnManifest(readRcc(fixture('prefixed')).files))).toBe('VPN_MANIFEST_MISSING');
    expect(vpnCode(() => findVpnManifest([]))).toBe('VPN_MANIFEST_MISSING');
  });
});
