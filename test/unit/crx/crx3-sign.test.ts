import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCrx3, readCrx3Header, verifyCrx3Stream } from '../../../src/crx/crx3-read.ts';
import { createCrx3Writer, crxSignerFromPrivateKey, signCrx3, signCrx3Header } from '../../../src/crx/crx3-sign.ts';
import { extensionIdOf } from '../../../src/crx/extension-id.ts';
import { buildExtensionZip, ecKey, handMadeCrx, idOf, rsaKey, spkiOf } from '../../helpers/crx-build.ts';
import { crxCodeOf, crxCodeOfSync } from '../../helpers/crx-expect.ts';

let zip: Buffer;
const developer = rsaKey();
const signer = crxSignerFromPrivateKey(developer);

beforeAll(async () => {
  zip = await buildExtensionZip();
});

describe('signCrx3', () => {
  it('writes what the reader accepts, with the signer\'s id', () => {
    const crx = signCrx3(zip, signer);
    const read = readCrx3(crx);
    expect(read.id).toBe(signer.extensionId);
    expect(read.id).toBe(idOf(spkiOf(developer)));
    expect(read.developerKeySpki).toEqual(signer.publicKeySpki);
    expect(read.proofs).toHaveLength(1);
    expect(crx.subarray(read.zipOffset)).toEqual(zip);
  });

  it('lays the package out byte for byte as the hand-made (Chromium-layout) package', () => {
    // PKCS#1 v1.5 is deterministic: same ZIP, same key, same bytes.
    expect(signCrx3(zip, signer)).toEqual(handMadeCrx(zip, { signers: [developer] }));
  });

  it('signs a ZIP streamed in pieces exactly as one held in memory', async () => {
    const whole = signCrx3(zip, signer);
    const header = await signCrx3Header(Readable.from([zip.subarray(0, 10), zip.subarray(10, 11), zip.subarray(11)]), signer);
    expect(Buffer.concat([header, zip])).toEqual(whole);
    expect(readCrx3Header(header).zipOffset).toBe(header.length);
    expect((await verifyCrx3Stream([header, zip])).id).toBe(signer.extensionId);
  });

  it('round-trips large ZIP-like payloads through the streaming writer and reader', async () => {
    const big = crypto.randomBytes(3 * 1024 * 1024 + 17);
    const source = function* (): Generator<Buffer> {
      for (let at = 0; at < big.length; at += 65536) yield big.subarray(at, at + 65536);
    };
    const header = await signCrx3Header(source(), signer);
    const verified = await verifyCrx3Stream((function* () {
      yield header;
      yield* source();
    })());
    expect(verified.zipLength).toBe(big.length);
  });

  it('refuses an empty ZIP and a writer used twice', () => {
    expect(crxCodeOfSync(() => signCrx3(Buffer.alloc(0), signer))).toBe('CRX_INVALID');
    const writer = createCrx3Writer(signer);
    writer.update(zip);
    writer.finish();
    expect(() => writer.finish()).toThrow();
    expect(() => writer.update(zip)).toThrow();
  });

  it('refuses chunks that are not bytes', async () => {
    await expect(signCrx3Header(['text'] as unknown as Buffer[], signer)).rejects.toThrow(TypeError);
  });
});

describe('crxSignerFromPrivateKey', () => {
  it('exposes the public key and id, never the private key', () => {
    expect(signer.publicKeySpki).toEqual(spkiOf(developer));
    expect(signer.extensionId).toBe(extensionIdOf(spkiOf(developer)));
    expect(signer.bits).toBe(2048);
    expect(Object.values(signer).some((v) => v instanceof crypto.KeyObject)).toBe(false);
  });

  it.each([
    ['an EC key', () => ecKey()],
    ['a public key', () => crypto.createPublicKey(rsaKey())],
    ['a 512-bit key', () => rsaKey('tiny', 512)],
    ['an RSA-PSS key', () => crypto.generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey],
    ['an Ed25519 key', () => crypto.generateKeyPairSync('ed25519').privateKey],
  ])('refuses %s', async (_what, key) => {
    expect(await crxCodeOf(() => crxSignerFromPrivateKey(key()))).toBe('CRX_SIGNING_KEY_UNSUPPORTED');
  });
});
