import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signerFromPrivateKey } from '../../../src/signing/signer.ts';
import { renderIndex, signIndex, verifyIndex, type IndexContent } from '../../../src/vpn/vpn-index.ts';
import { vpnCode } from './vpn-fixtures.ts';

const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const hash = (c: string): string => c.repeat(64);

const content: IndexContent = {
  addons: [
    { id: 'tutorial_b', sha256: hash('b') },
    { id: 'message_a', sha256: hash('a') },
    { id: 'Message_C', sha256: hash('c') },
  ],
  serial: 7,
  expires: new Date('2030-01-01T00:00:00Z'),
};

describe('renderIndex', () => {
  it('writes the index the client reads, sorted by id, with a serial and an expiry', () => {
    const bytes = renderIndex(content);
    expect(JSON.parse(bytes.toString())).toEqual({
      api_version: '0.1',
      addons: [
        { id: 'Message_C', sha256: hash('c') },
        { id: 'message_a', sha256: hash('a') },
        { id: 'tutorial_b', sha256: hash('b') },
      ],
      serial: 7,
      expires: '2030-01-01T00:00:00.000Z',
    });
    expect(bytes.toString().endsWith('}\n')).toBe(true);
    // The same content always gives the same bytes, whatever the order it came in.
    expect(renderIndex({ ...content, addons: [...content.addons].reverse() }).equals(bytes)).toBe(true);
  });

  it('writes an empty index', () => {
    expect(JSON.parse(renderIndex({ ...content, addons: [] }).toString()).addons).toEqual([]);
  });

  it.each([
    ['an id that cannot be a file name', { addons: [{ id: '../x', sha256: hash('a') }] }],
    ['a short sha256', { addons: [{ id: 'a', sha256: 'ab' }] }],
    ['an uppercase sha256', { addons: [{ id: 'a', sha256: hash('A') }] }],
    ['the same id twice', { addons: [{ id: 'a', sha256: hash('a') }, { id: 'a', sha256: hash('b') }] }],
    ['a negative serial', { serial: -1 }],
    ['a fractional serial', { serial: 1.5 }],
    ['a serial that does not grow', { serial: 7, previousSerial: 7 }],
    ['an invalid expiry', { expires: new Date('nope') }],
  ])('refuses %s', (_, change) => {
    expect(vpnCode(() => renderIndex({ ...content, ...change }))).toBe('VPN_INDEX_INVALID');
  });

  it('accepts a serial above the previous one', () => {
    expect(JSON.parse(renderIndex({ ...content, serial: 8, previousSerial: 7 }).toString()).serial).toBe(8);
  });
});

describe('signIndex and verifyIndex', () => {
  const index = renderIndex(content);
  const signature = signIndex(index, key.privateKey);

  it('signs with RSA PKCS#1 v1.5 over SHA-256, and verifies', () => {
    expect(signature).toHaveLength(256);
    expect(crypto.verify('sha256', index, { key: key.publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, signature)).toBe(true);
    const verified = verifyIndex(index, signature, key.publicKey, { now: new Date('2029-12-31T23:59:59Z'), minSerial: 7 });
    expect(verified).toEqual({ apiVersion: '0.1', addons: JSON.parse(index.toString()).addons, serial: 7, expires: content.expires });
  });

  it('signs the same way through an opaque signer', () => {
    expect(signIndex(index, signerFromPrivateKey(key.privateKey)).equals(signature)).toBe(true);
  });

  it('verifies with the public half of a private key', () => {
    expect(verifyIndex(index, signature, key.privateKey).serial).toBe(7);
  });

  it('refuses a changed index, another key, a changed or cut signature', () => {
    const changed = Buffer.from(index.toString().replace('"serial": 7', '"serial": 9'));
    expect(vpnCode(() => verifyIndex(changed, signature, key.publicKey))).toBe('VPN_INDEX_SIGNATURE_INVALID');
    expect(vpnCode(() => verifyIndex(index, signature, otherKey.publicKey))).toBe('VPN_INDEX_SIGNATURE_INVALID');
    const flipped = Buffer.from(signature);
    flipped[10]! ^= 1;
    expect(vpnCode(() => verifyIndex(index, flipped, key.publicKey))).toBe('VPN_INDEX_SIGNATURE_INVALID');
    expect(vpnCode(() => verifyIndex(index, signature.subarray(1), key.publicKey))).toBe('VPN_INDEX_SIGNATURE_INVALID');
    expect(vpnCode(() => verifyIndex(index, Buffer.alloc(0), key.publicKey))).toBe('VPN_INDEX_SIGNATURE_INVALID');
  });

  it('refuses a replayed older index when asked for a serial', () => {
    expect(vpnCode(() => verifyIndex(index, signature, key.publicKey, { minSerial: 8 }))).toBe('VPN_INDEX_ROLLBACK');
    const noSerial = Buffer.from(JSON.stringify({ api_version: '0.1', addons: [] }));
    expect(verifyIndex(noSerial, signIndex(noSerial, key.privateKey), key.publicKey).serial).toBeUndefined();
    expect(vpnCode(() => verifyIndex(noSerial, signIndex(noSerial, key.privateKey), key.publicKey, { minSerial: 0 }))).toBe('VPN_INDEX_ROLLBACK');
  });

  it('refuses an expired index when given the time', () => {
    expect(vpnCode(() => verifyIndex(index, signature, key.publicKey, { now: content.expires }))).toBe('VPN_INDEX_EXPIRED');
    const noExpiry = Buffer.from(JSON.stringify({ api_version: '0.1', addons: [], serial: 1 }));
    expect(vpnCode(() => verifyIndex(noExpiry, signIndex(noExpiry, key.privateKey), key.publicKey, { now: new Date(0) }))).toBe('VPN_INDEX_EXPIRED');
  });

  it('reads an index as Mozilla writes it: no serial, no expiry, uppercase hex accepted', () => {
    const mozilla = Buffer.from(JSON.stringify({ api_version: '0.1', addons: [{ id: 'message_x', sha256: hash('F') }] }, null, 2));
    expect(verifyIndex(mozilla, signIndex(mozilla, key.privateKey), key.publicKey)).toEqual({
      apiVersion: '0.1',
      addons: [{ id: 'message_x', sha256: hash('F') }],
      serial: undefined,
      expires: undefined,
    });
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['another api_version', '{"api_version":"0.2","addons":[]}'],
    ['no api_version', '{"addons":[]}'],
    ['addons as an object', '{"api_version":"0.1","addons":{}}'],
    ['an entry that is not an object', '{"api_version":"0.1","addons":["x"]}'],
    ['an entry without an id', `{"api_version":"0.1","addons":[{"sha256":"${hash('a')}"}]}`],
    ['an entry with a path for an id', `{"api_version":"0.1","addons":[{"id":"../a","sha256":"${hash('a')}"}]}`],
    ['a sha256 of 63 digits', `{"api_version":"0.1","addons":[{"id":"a","sha256":"${'a'.repeat(63)}"}]}`],
    ['a sha256 that is not hex', `{"api_version":"0.1","addons":[{"id":"a","sha256":"${hash('g')}"}]}`],
    ['the same id twice', `{"api_version":"0.1","addons":[{"id":"a","sha256":"${hash('a')}"},{"id":"a","sha256":"${hash('a')}"}]}`],
    ['a key twice', '{"api_version":"0.1","addons":[],"addons":[]}'],
    ['a string serial', '{"api_version":"0.1","addons":[],"serial":"7"}'],
    ['a local-time expiry', '{"api_version":"0.1","addons":[],"expires":"2030-01-01T00:00:00"}'],
  ])('refuses a signed index with %s', (_, text) => {
    const bytes = Buffer.from(text);
    expect(vpnCode(() => verifyIndex(bytes, signIndex(bytes, key.privateKey), key.publicKey))).toBe('VPN_INDEX_INVALID');
  });

  it('refuses keys under 2048 bits, and keys that are not RSA', () => {
    const small = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(vpnCode(() => signIndex(index, small.privateKey))).toBe('VPN_KEY_TOO_SMALL');
    expect(vpnCode(() => signIndex(index, signerFromPrivateKey(small.privateKey)))).toBe('VPN_KEY_TOO_SMALL');
    expect(vpnCode(() => verifyIndex(index, signature, small.publicKey))).toBe('VPN_KEY_TOO_SMALL');
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(vpnCode(() => verifyIndex(index, signature, ec.publicKey))).toBe('VPN_KEY_UNSUPPORTED');
    const pss = crypto.generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    expect(vpnCode(() => verifyIndex(index, signature, pss.publicKey))).toBe('VPN_KEY_UNSUPPORTED');
    expect(vpnCode(() => verifyIndex(index, signature, crypto.createSecretKey(Buffer.alloc(32))))).toBe('VPN_KEY_UNSUPPORTED');
  });

  it('refuses an index over the size limit before verifying it', () => {
    expect(vpnCode(() => verifyIndex(Buffer.alloc(1024 * 1024 + 1, 0x20), signature, key.publicKey))).toBe('VPN_INDEX_INVALID');
  });
});
