import { constants, createVerify, type KeyObject } from 'node:crypto';

/**
 * The one signature scheme of a JPL (spec §3): RSA PKCS#1 v1.5 with SHA-512 over the raw,
 * uncompressed bytes. Entries are fed in chunks so a large library is hashed as it streams past
 * instead of being held whole; only the key and the signature are needed at the end.
 */
export interface ContentVerifier {
  update(chunk: Buffer): void;
  /** Whether `signature` is the plugin key's signature over everything fed so far. Call once. */
  verifies(signature: Buffer, key: KeyObject): boolean;
}

export function rsaSha512Verifier(): ContentVerifier {
  const verifier = createVerify('sha512');
  return {
    update: (chunk) => void verifier.update(chunk),
    verifies: (signature, key) => {
      try {
        return verifier.verify({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
      } catch {
        // A key of another type or a malformed signature is simply not a valid signature.
        return false;
      }
    },
  };
}

export function rsaSha512Verifies(data: Buffer, signature: Buffer, key: KeyObject): boolean {
  const verifier = rsaSha512Verifier();
  verifier.update(data);
  return verifier.verifies(signature, key);
}
