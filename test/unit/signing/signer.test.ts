import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importPrivateKey } from '../../../src/signing/key-formats.ts';
import { signerFromPrivateKey, updateKeyOf, type SignatureDigest } from '../../../src/signing/signer.ts';
import { rsaKey } from '../../helpers/pkcs12-fixtures.ts';
import { codeOf } from '../../helpers/error-code.ts';

const TEST4_DIR = new URL('../../fixtures/mccoy/mccoy-selftest-test4/', import.meta.url);
const readVector = (name: string): Buffer => readFileSync(fileURLToPath(new URL(name, TEST4_DIR)));

const key1024 = rsaKey(1024);
const key2048 = rsaKey(2048);

/** The raw signature inside a McCoy em:signature: DER SEQUENCE { AlgorithmIdentifier, BIT STRING }. */
function rawSignatureOf(emSignature: string): Buffer {
  const der = Buffer.from(emSignature, 'base64');
  // mccoy-signing.md §1: the fixed 22-byte prefix for sha512WithRSAEncryption and a 1024-bit key.
  expect(der.subarray(0, 22).toString('hex')).toBe('308193300d06092a864886f70d01010d050003818100');
  return der.subarray(22);
}

describe('signerFromPrivateKey', () => {
  it("reproduces McCoy's em:signature values for test4 byte for byte (PKCS#1 v1.5 is deterministic)", () => {
    const signer = signerFromPrivateKey(importPrivateKey(readVector('test4.pem'), 'keytest4').key);
    const updateRdf = readVector('update.rdf').toString('utf8');
    const signatures = [...updateRdf.matchAll(/<em:signature>([^<]+)<\/em:signature>/g)].map((m) => m[1]!);
    expect(signatures).toHaveLength(2);
    const texts = [readVector('signed-string.test1.txt'), readVector('signed-string.test2.txt')];
    texts.forEach((text, i) => {
      expect(signer.sign(text, 'sha512').equals(rawSignatureOf(signatures[i]!))).toBe(true);
    });
  });

  it.each([
    [1024, key1024, 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ'],
    [2048, key2048, 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
  ] as const)('reports bits and the em:updateKey of a %i-bit key', (bits, key, prefix) => {
    const signer = signerFromPrivateKey(key);
    expect(signer.bits).toBe(bits);
    expect(signer.updateKey.startsWith(prefix)).toBe(true);
    expect(signer.updateKey).toMatch(/^[A-Za-z0-9+/]+=*$/); // one line, no wrapping
    expect(signer.updateKey).toBe(updateKeyOf(crypto.createPublicKey(key)));
  });

  it.each(['sha256', 'sha512'] as const)('signs with RSA PKCS#1 v1.5 and %s, verifiable with the updateKey alone', (digest) => {
    const signer = signerFromPrivateKey(key2048);
    const data = Buffer.from('<RDF:Description about="urn:mozilla:extension:x@example.org">\n');
    const signature = signer.sign(data, digest);
    expect(signature).toHaveLength(256);
    const publicKey = crypto.createPublicKey({ key: Buffer.from(signer.updateKey, 'base64'), format: 'der', type: 'spki' });
    expect(crypto.verify(digest, data, { key: publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, signature)).toBe(true);
    expect(crypto.verify(digest, Buffer.concat([data, Buffer.from(' ')]), publicKey, signature)).toBe(false);
    // The DigestInfo inside the RSA block carries its NULL parameters (mccoy-signing.md §1).
    const digestInfoPrefix: Record<SignatureDigest, string> = {
      sha256: '3031300d060960864801650304020105000420',
      sha512: '3051300d060960864801650304020305000440',
    };
    const block = crypto.publicDecrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, signature);
    expect(block.toString('hex')).toBe(digestInfoPrefix[digest] + crypto.createHash(digest).update(data).digest('hex'));
  });

  it('gives the same signature for the same text and different ones per digest', () => {
    const signer = signerFromPrivateKey(key1024);
    const data = Buffer.from('text');
    expect(signer.sign(data, 'sha512').equals(signer.sign(data, 'sha512'))).toBe(true);
    expect(signer.sign(data, 'sha512').equals(signer.sign(data, 'sha256'))).toBe(false);
  });

  it('refuses other digests', () => {
    const signer = signerFromPrivateKey(key1024);
    expect(codeOf(() => signer.sign(Buffer.from('x'), 'sha1' as SignatureDigest))).toBe('KEY_DIGEST_UNSUPPORTED');
  });

  it('refuses public keys and non-RSA keys', () => {
    expect(codeOf(() => signerFromPrivateKey(crypto.createPublicKey(key1024)))).toBe('KEY_UNSUPPORTED');
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(codeOf(() => signerFromPrivateKey(ec))).toBe('KEY_UNSUPPORTED');
    const pss = crypto.generateKeyPairSync('rsa-pss', { modulusLength: 1024 }).privateKey;
    expect(codeOf(() => signerFromPrivateKey(pss))).toBe('KEY_UNSUPPORTED');
  });
});

describe('updateKeyOf', () => {
  it('is the same for the private and the public half, and refuses secret keys', () => {
    expect(updateKeyOf(key1024)).toBe(updateKeyOf(crypto.createPublicKey(key1024)));
    expect(updateKeyOf(key1024)).not.toBe(updateKeyOf(key2048));
    expect(codeOf(() => updateKeyOf(crypto.createSecretKey(Buffer.alloc(32))))).toBe('KEY_UNSUPPORTED');
  });
});
