import crypto, { type KeyObject } from 'node:crypto';
import { CrxError } from './crx-errors.ts';
import { CRX } from '../limits.ts';
import type { ProofAlgorithm } from './crx3-proto.ts';

/**
 * A proof's public key as Chromium's SignatureVerifier accepts it: SubjectPublicKeyInfo DER with
 * nothing after it, RSA (rsaEncryption) for sha256_with_rsa and EC P-256 for sha256_with_ecdsa.
 * The id is a hash of these exact bytes, so they must be the one canonical DER spelling of the key.
 */
export function importProofKey(spkiDer: Buffer, algorithm: ProofAlgorithm, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = crypto.createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch (err) {
    throw new CrxError('CRX_KEY_UNSUPPORTED', `The key of ${where} is not a readable SubjectPublicKeyInfo.`, { cause: err });
  }
  if (!key.export({ type: 'spki', format: 'der' }).equals(spkiDer)) {
    throw new CrxError('CRX_KEY_UNSUPPORTED', `The key of ${where} is not in canonical DER (extra bytes or another encoding).`);
  }
  if (algorithm === 'sha256_with_rsa') {
    if (key.asymmetricKeyType !== 'rsa') {
      throw new CrxError('CRX_KEY_UNSUPPORTED', `${where} must hold an RSA key, not ${key.asymmetricKeyType ?? 'an unknown kind'}.`);
    }
    checkRsaBits(key.asymmetricKeyDetails?.modulusLength ?? 0, 'CRX_KEY_UNSUPPORTED', `The key of ${where}`);
    checkRsaExponent(key.asymmetricKeyDetails?.publicExponent ?? 0n, where);
  } else if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new CrxError('CRX_KEY_UNSUPPORTED', `${where} must hold an EC P-256 key.`);
  }
  return key;
}

export function checkRsaBits(bits: number, code: 'CRX_KEY_UNSUPPORTED' | 'CRX_SIGNING_KEY_UNSUPPORTED', what: string): void {
  if (bits < CRX.minRsaBits || bits > CRX.maxRsaBits) {
    throw new CrxError(code, `${what} has ${bits} bits; ${CRX.minRsaBits} to ${CRX.maxRsaBits} are accepted (Chromium makes 2048).`);
  }
}

/**
 * BoringSSL (rsa_check_public_key) refuses an exponent that is even, 1, or of more than 33 bits,
 * so Chromium installs nothing signed by such a key; OpenSSL verifies with it, and with e = 1 a
 * "signature" is just the padded hash, which anyone can write without a private key.
 */
function checkRsaExponent(exponent: bigint, where: string): void {
  if (exponent < 3n || exponent >= 1n << 33n || exponent % 2n === 0n) {
    throw new CrxError('CRX_KEY_UNSUPPORTED', `The key of ${where} has the public exponent ${exponent}; Chromium takes only odd exponents from 3 to 2^33 - 1 (keys use 65537).`);
  }
}

/** Verifies one signature over data that arrives in chunks. */
export function startVerification(key: KeyObject, algorithm: ProofAlgorithm): { update(chunk: Uint8Array): void; verify(signature: Buffer): boolean } {
  const verifier = crypto.createVerify('sha256');
  return {
    update: (chunk) => void verifier.update(chunk),
    verify(signature) {
      try {
        return algorithm === 'sha256_with_rsa'
          ? verifier.verify({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, signature)
          : verifier.verify({ key, dsaEncoding: 'der' }, signature);
      } catch {
        // OpenSSL throws on some malformed signatures instead of answering false.
        return false;
      }
    },
  };
}
