import crypto, { type KeyObject } from 'node:crypto';
import { SigningKeyError } from './key-errors.ts';

export type SignatureDigest = 'sha256' | 'sha512';

/**
 * A publisher key reduced to what manifest signing needs. The private key stays inside the closure,
 * so code that signs never holds (or can leak) the key itself.
 */
export interface Signer {
  /** Modulus length in bits. */
  readonly bits: number;
  /** base64 of the DER SubjectPublicKeyInfo on one line: the em:updateKey value. */
  readonly updateKey: string;
  /** Raw RSA PKCS#1 v1.5 signature bytes (as long as the modulus). */
  sign(data: Buffer, digest: SignatureDigest): Buffer;
}

const DIGESTS: ReadonlySet<string> = new Set<SignatureDigest>(['sha256', 'sha512']);

/** em:updateKey for a key: base64 DER SubjectPublicKeyInfo of its public half (mccoy-signing.md §1). */
export function updateKeyOf(key: KeyObject): string {
  if (key.type === 'secret') {
    throw new SigningKeyError('KEY_UNSUPPORTED', 'An update key needs a public or private key, not a secret key.');
  }
  const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

export function signerFromPrivateKey(key: KeyObject): Signer {
  if (key.type !== 'private') {
    throw new SigningKeyError('KEY_UNSUPPORTED', 'Signing needs a private key.');
  }
  // Legacy clients verify with RSA PKCS#1 v1.5; an RSA-PSS-restricted key cannot produce that.
  if (key.asymmetricKeyType !== 'rsa') {
    throw new SigningKeyError(
      'KEY_UNSUPPORTED',
      `Signing needs an RSA key; this one is ${key.asymmetricKeyType ?? 'of an unknown type'}.`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined) {
    throw new SigningKeyError('KEY_UNSUPPORTED', 'The RSA key does not report its size.');
  }
  const updateKey = updateKeyOf(key);
  return {
    bits,
    updateKey,
    sign(data: Buffer, digest: SignatureDigest): Buffer {
      if (!DIGESTS.has(digest)) {
        throw new SigningKeyError('KEY_DIGEST_UNSUPPORTED', `Sign with sha256 or sha512, not ${String(digest)}.`);
      }
      return crypto.sign(digest, data, { key, padding: crypto.constants.RSA_PKCS1_PADDING });
    },
  };
}
