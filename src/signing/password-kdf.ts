import crypto from 'node:crypto';
import { SigningKeyError } from './key-errors.ts';

/**
 * From a password to key bytes: the byte forms a password may take, the PKCS#12 KDF (RFC 7292
 * appendix B) for MAC keys and legacy PBE, and a cap on how much hashing one import may cost.
 */

/** Output and block sizes (u, v of RFC 7292 B.2) of the hashes PKCS#12 may name. */
const PKCS12_HASHES: Record<string, { u: number; v: number }> = {
  sha1: { u: 20, v: 64 },
  sha224: { u: 28, v: 64 },
  sha256: { u: 32, v: 64 },
  sha384: { u: 48, v: 128 },
  sha512: { u: 64, v: 128 },
};

/**
 * Caps the password hashing one import may cost. A file is untrusted input (it may arrive over
 * HTTP) and its iteration counts are chosen by whoever wrote it; NSS 3.87 uses 600 000 per item,
 * about three items per file.
 */
export class WorkBudget {
  #left: number;

  constructor(iterations = 12_000_000) {
    this.#left = iterations;
  }

  spend(iterations: number): void {
    if (!(iterations >= 1)) throw new SigningKeyError('KEY_FORMAT_UNKNOWN', 'The key file has an invalid iteration count.');
    if (iterations > this.#left) {
      throw new SigningKeyError(
        'KEY_FORMAT_UNSUPPORTED',
        'The key file asks for far more password hashing than usual; export it again with default settings.',
      );
    }
    this.#left -= iterations;
  }
}

export function passwordError(password: string | undefined): SigningKeyError {
  return password
    ? new SigningKeyError('KEY_PASSWORD_WRONG', 'The password does not open this key file.')
    : new SigningKeyError('KEY_PASSWORD_REQUIRED', 'This key file is protected: give its password.');
}

/** RFC 7292 B.1: a BMPString (UTF-16BE) with a two-byte terminator. */
function bmpPassword(password: string): Buffer {
  return Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
}

/**
 * The byte strings a password may have become. PKCS#12's own KDF wants the BMPString (an empty
 * password is written either as just the terminator or as nothing). RFC 8018 leaves PBES2's
 * encoding to the application: OpenSSL and NSS 3.87 (checked) use UTF-8, but some PKCS#12 writers
 * feed PBES2 the same BMPString as the PKCS#12 KDF, so that is tried second.
 */
export function pkcs12PasswordCandidates(password: string): Buffer[] {
  return password === '' ? [Buffer.alloc(2), Buffer.alloc(0)] : [bmpPassword(password)];
}

export function pbes2PasswordCandidates(password: string): Buffer[] {
  return password === '' ? [Buffer.alloc(0), Buffer.alloc(2)] : [Buffer.from(password, 'utf8'), bmpPassword(password)];
}

/** RFC 7292 B.2. id 1 = cipher key, 2 = IV, 3 = MAC key. */
export function pkcs12Kdf(
  hash: string,
  password: Buffer,
  salt: Buffer,
  id: 1 | 2 | 3,
  iterations: number,
  length: number,
  budget: WorkBudget,
): Buffer {
  const sizes = PKCS12_HASHES[hash];
  if (!sizes) {
    throw new SigningKeyError('KEY_FORMAT_UNSUPPORTED', `The key file derives its keys with ${hash}, which Outpost cannot use.`);
  }
  const { u, v } = sizes;
  budget.spend(iterations * Math.ceil(length / u));
  const repeatToBlocks = (src: Buffer): Buffer =>
    src.length === 0 ? src : Buffer.alloc(v * Math.ceil(src.length / v)).fill(src);
  const diversifier = Buffer.alloc(v, id);
  const input = Buffer.concat([repeatToBlocks(salt), repeatToBlocks(password)]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let a = crypto.createHash(hash).update(diversifier).update(input).digest();
    for (let i = 1; i < iterations; i++) a = crypto.createHash(hash).update(a).digest();
    blocks.push(a);
    // Each v-byte block of the input becomes (block + B + 1) mod 2^(8v), B being A repeated.
    const b = Buffer.alloc(v).fill(a);
    for (let j = 0; j < input.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = input[j + k]! + b[k]! + carry;
        input[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}
