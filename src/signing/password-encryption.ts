import crypto from 'node:crypto';
import forge from 'node-forge';
import { SigningKeyError } from './key-errors.ts';
import { build, integer, octets, oid, sequence, toDer, tryParseAsn1, type Asn1 } from './key-asn1.ts';
import {
  passwordError, pbes2PasswordCandidates, pkcs12Kdf, pkcs12PasswordCandidates, type WorkBudget,
} from './password-kdf.ts';

/**
 * Password-based encryption of private keys: PBES2 (RFC 8018) and, for older exports, the PKCS#12
 * PBE schemes (RFC 7292 appendix C). node:crypto does the hashing and ciphers; only RC2 (legacy,
 * absent from OpenSSL 3's default provider) uses node-forge.
 */

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
};

const PBKDF2_PRFS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1', // the default when the PRF is omitted
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

interface CipherSpec {
  name: string;
  keyLength: number;
  blockSize: number;
  /** Effective key bits for RC2, which node:crypto cannot do here. */
  rc2Bits?: number;
}

const PBES2_CIPHERS: Record<string, CipherSpec> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16, blockSize: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24, blockSize: 16 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32, blockSize: 16 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24, blockSize: 8 }, // McCoy's test4.pem
};

// RFC 7292 appendix C; the RC4 variants are left out (no one writes keys with them any more).
const PKCS12_PBE_CIPHERS: Record<string, CipherSpec> = {
  '1.2.840.113549.1.12.1.3': { name: 'des-ede3-cbc', keyLength: 24, blockSize: 8 },
  '1.2.840.113549.1.12.1.4': { name: 'des-ede-cbc', keyLength: 16, blockSize: 8 },
  '1.2.840.113549.1.12.1.5': { name: 'rc2-cbc', keyLength: 16, blockSize: 8, rc2Bits: 128 },
  '1.2.840.113549.1.12.1.6': { name: 'rc2-40-cbc', keyLength: 5, blockSize: 8, rc2Bits: 40 },
};

function unsupported(what: string): SigningKeyError {
  return new SigningKeyError(
    'KEY_FORMAT_UNSUPPORTED',
    `The key file uses ${what}, which Outpost cannot read; export it again with current NSS or OpenSSL defaults.`,
  );
}

/** Strict PKCS#7 unpadding; undefined when the padding is wrong (almost always a wrong key). */
function unpad(plain: Buffer, blockSize: number): Buffer | undefined {
  const n = plain[plain.length - 1];
  if (n === undefined || n < 1 || n > blockSize || n > plain.length) return undefined;
  for (let i = plain.length - n; i < plain.length; i++) if (plain[i] !== n) return undefined;
  return plain.subarray(0, plain.length - n);
}

function decipher(spec: CipherSpec, key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer | undefined {
  if (ciphertext.length === 0 || ciphertext.length % spec.blockSize !== 0) {
    throw new SigningKeyError('KEY_FORMAT_UNKNOWN', 'The key file is damaged (encrypted data of a wrong length).');
  }
  let plain: Buffer;
  if (spec.rc2Bits !== undefined) {
    const rc2 = forge.rc2.createDecryptionCipher(key.toString('binary'), spec.rc2Bits);
    rc2.start(iv.toString('binary'));
    rc2.update(forge.util.createBuffer(ciphertext.toString('binary')));
    rc2.finish(() => true); // keep the padding: forge checks it too loosely, unpad() does it properly
    plain = Buffer.from(rc2.output.getBytes(), 'binary');
  } else {
    const d = crypto.createDecipheriv(spec.name, key, iv);
    d.setAutoPadding(false);
    plain = Buffer.concat([d.update(ciphertext), d.final()]);
  }
  return unpad(plain, spec.blockSize);
}

type Attempt = (password: Buffer) => Buffer | undefined;

function pbes2(params: Asn1 | undefined, ciphertext: Buffer, budget: WorkBudget): Attempt {
  const [kdf, scheme] = sequence(params, 'PBES2 parameters');
  const [kdfOid, kdfParams] = sequence(kdf, 'key derivation');
  const kdfName = oid(kdfOid, 'key derivation');
  if (kdfName !== OID.pbkdf2) throw unsupported(`key derivation ${kdfName}`);
  const [saltNode, iterationsNode, ...optional] = sequence(kdfParams, 'PBKDF2 parameters');
  const salt = octets(saltNode, 'PBKDF2 salt');
  const iterations = integer(iterationsNode, 'PBKDF2 iterations');
  let keyLength: number | undefined;
  let prf = 'sha1';
  for (const node of optional) {
    if (node.type === forge.asn1.Type.INTEGER) keyLength = integer(node, 'PBKDF2 key length');
    else {
      const prfOid = oid(sequence(node, 'PBKDF2 PRF')[0], 'PBKDF2 PRF');
      const name = PBKDF2_PRFS[prfOid];
      if (!name) throw unsupported(`PBKDF2 with PRF ${prfOid}`);
      prf = name;
    }
  }
  const [cipherOid, ivNode] = sequence(scheme, 'PBES2 encryption scheme');
  const cipherName = oid(cipherOid, 'PBES2 cipher');
  const spec = PBES2_CIPHERS[cipherName];
  if (!spec) throw unsupported(`cipher ${cipherName}`);
  const iv = octets(ivNode, 'PBES2 IV');
  if (iv.length !== spec.blockSize || (keyLength !== undefined && keyLength !== spec.keyLength)) {
    throw new SigningKeyError('KEY_FORMAT_UNKNOWN', 'The key file is damaged (PBES2 parameters do not fit its cipher).');
  }
  return (password) => {
    budget.spend(iterations);
    const key = crypto.pbkdf2Sync(password, salt, iterations, spec.keyLength, prf);
    return decipher(spec, key, iv, ciphertext);
  };
}

function pkcs12Pbe(spec: CipherSpec, params: Asn1 | undefined, ciphertext: Buffer, budget: WorkBudget): Attempt {
  const [saltNode, iterationsNode] = sequence(params, 'PKCS#12 PBE parameters');
  const salt = octets(saltNode, 'PKCS#12 PBE salt');
  const iterations = integer(iterationsNode, 'PKCS#12 PBE iterations');
  return (password) => {
    const key = pkcs12Kdf('sha1', password, salt, 1, iterations, spec.keyLength, budget);
    const iv = pkcs12Kdf('sha1', password, salt, 2, iterations, spec.blockSize, budget);
    return decipher(spec, key, iv, ciphertext);
  };
}

/**
 * Decrypts data under a password-based AlgorithmIdentifier, trying each byte form of the password.
 * `isPlausible` rejects output that only passed the padding check by chance (1 in 256 for a wrong
 * password), so a wrong guess at the encoding cannot hide the right one.
 */
export function decryptWithPassword(
  algorithm: Asn1 | undefined,
  ciphertext: Buffer,
  password: string | undefined,
  budget: WorkBudget,
  isPlausible: (plain: Buffer) => boolean,
): Buffer {
  const [algOid, params] = sequence(algorithm, 'encryption algorithm');
  const name = oid(algOid, 'encryption algorithm');
  const legacy = PKCS12_PBE_CIPHERS[name];
  let attempt: Attempt;
  let candidates: Buffer[];
  if (name === OID.pbes2) {
    attempt = pbes2(params, ciphertext, budget);
    candidates = pbes2PasswordCandidates(password ?? '');
  } else if (legacy) {
    attempt = pkcs12Pbe(legacy, params, ciphertext, budget);
    candidates = pkcs12PasswordCandidates(password ?? '');
  } else {
    throw unsupported(`encryption ${name}`);
  }
  for (const candidate of candidates) {
    const plain = attempt(candidate);
    if (plain && isPlausible(plain)) return plain;
  }
  throw passwordError(password);
}

/** True for bytes that parse completely as one ASN.1 SEQUENCE whose first item is an INTEGER. */
function looksLikePrivateKeyInfo(plain: Buffer): boolean {
  const node = tryParseAsn1(plain);
  return Array.isArray(node?.value) && node.value[0]?.type === forge.asn1.Type.INTEGER;
}

/** EncryptedPrivateKeyInfo (RFC 5958) → PrivateKeyInfo DER. */
export function decryptPrivateKeyInfo(epki: Asn1, password: string | undefined, budget: WorkBudget): Buffer {
  const [algorithm, data] = sequence(epki, 'EncryptedPrivateKeyInfo');
  return decryptWithPassword(algorithm, octets(data, 'encrypted key'), password, budget, looksLikePrivateKeyInfo);
}

export interface EncryptOptions {
  /** PBKDF2-HMAC-SHA256 rounds (default 600 000, OWASP's figure for this PRF). */
  iterations?: number;
  /** Source of salt and IV; tests pass a fixed one. */
  randomBytes?: (size: number) => Buffer;
}

/** PrivateKeyInfo DER → EncryptedPrivateKeyInfo DER: PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC. */
export function encryptPrivateKeyInfo(privateKeyInfo: Buffer, passphrase: string, options: EncryptOptions = {}): Buffer {
  const iterations = options.iterations ?? 600_000;
  const random = options.randomBytes ?? crypto.randomBytes;
  const salt = random(16);
  const iv = random(16);
  const key = crypto.pbkdf2Sync(Buffer.from(passphrase, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = crypto.createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(privateKeyInfo), cipher.final()]);
  const nullParams = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.NULL, false, '');
  return toDer(
    build.sequence([
      build.sequence([
        build.oid(OID.pbes2),
        build.sequence([
          build.sequence([
            build.oid(OID.pbkdf2),
            build.sequence([
              build.octets(salt),
              build.integer(iterations),
              build.sequence([build.oid(OID.hmacWithSha256), nullParams]),
            ]),
          ]),
          build.sequence([build.oid(OID.aes256Cbc), build.octets(iv)]),
        ]),
      ]),
      build.octets(ciphertext),
    ]),
  );
}
