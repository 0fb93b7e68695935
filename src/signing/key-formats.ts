import { promisify } from 'node:util';
import crypto, { X509Certificate, type KeyObject } from 'node:crypto';
import { SigningKeyError } from './key-errors.ts';
import { parseAsn1, tryParseAsn1 } from './key-asn1.ts';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo, type EncryptOptions } from './password-encryption.ts';
import { WorkBudget } from './password-kdf.ts';
import { looksLikePkcs12, readPkcs12 } from './pkcs12.ts';
import { updateKeyOf } from './signer.ts';

export type { EncryptOptions } from './password-encryption.ts';

export type KeyFormat = 'pkcs12' | 'pkcs8-encrypted' | 'pkcs8' | 'pkcs1';
export type RsaKeyBits = 2048 | 3072 | 4096;

export interface ImportedKey {
  key: KeyObject;
  format: KeyFormat;
  warnings: string[];
}

export const GENERATED_KEY_BITS: readonly number[] = [2048, 3072, 4096];
/** Below this an RSA key is refused outright; McCoy's own keys are exactly this size. */
export const MIN_IMPORT_BITS = 1024;
export const RECOMMENDED_BITS = 2048;
/** Key files are a few kilobytes; anything this large is not one. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

/**
 * A new RSA key, made on libuv's thread pool: a 4096-bit key takes a second or more, which on the
 * event loop would stall every request the server is answering (the VPN index key is made on
 * first use, during a publish or a page view).
 */
export async function generateRsaKey(bits: RsaKeyBits): Promise<KeyObject> {
  if (!GENERATED_KEY_BITS.includes(bits)) {
    throw new SigningKeyError('KEY_SIZE_UNSUPPORTED', `New keys are RSA with 2048, 3072 or 4096 bits, not ${bits}.`);
  }
  const { privateKey } = await promisify(crypto.generateKeyPair)('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return privateKey;
}

/** Encrypted PKCS#8 PEM (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC) that OpenSSL can also open. */
export function encryptPrivateKeyPem(key: KeyObject, passphrase: string, options?: EncryptOptions): string {
  if (!passphrase) {
    throw new SigningKeyError('KEY_PASSPHRASE_REQUIRED', 'Set a key store passphrase: keys are never stored unencrypted.');
  }
  if (key.type !== 'private') throw new SigningKeyError('KEY_UNSUPPORTED', 'Only a private key can be stored.');
  const plain = key.export({ type: 'pkcs8', format: 'der' });
  try {
    return toPem('ENCRYPTED PRIVATE KEY', encryptPrivateKeyInfo(plain, passphrase, options));
  } finally {
    plain.fill(0);
  }
}

export function decryptPrivateKeyPem(pem: string, passphrase: string): KeyObject {
  if (!passphrase) {
    throw new SigningKeyError('KEY_PASSPHRASE_REQUIRED', 'Set the key store passphrase to use stored keys.');
  }
  const blocks = pemBlocks(pem).filter((b) => b.label === 'ENCRYPTED PRIVATE KEY');
  if (blocks.length !== 1) {
    throw new SigningKeyError('KEY_FORMAT_UNKNOWN', 'The stored key is not one encrypted PKCS#8 PEM block.');
  }
  try {
    return crypto.createPrivateKey({ key: blocks[0]!.text, format: 'pem', passphrase });
  } catch (cause) {
    throw new SigningKeyError(
      'KEY_PASSPHRASE_WRONG',
      'The key store passphrase does not open this key (or the key file is damaged).',
      { cause },
    );
  }
}

/**
 * Reads a private key exported from McCoy (NSS `pk12util` PKCS#12, PKCS#8 PEM as McCoy's command
 * line takes) or from OpenSSL (PKCS#8 or PKCS#1 PEM). Keys below 2048 bits are kept with a warning:
 * installed add-ons accept updates signed by their original key only.
 */
export function importPrivateKey(bytes: Buffer, password?: string): ImportedKey {
  if (bytes.length > MAX_KEY_FILE_BYTES) {
    throw new SigningKeyError('KEY_FILE_TOO_LARGE', 'This file is far larger than any key file; choose the exported key.');
  }
  const budget = new WorkBudget();
  const text = bytes.toString('latin1');
  const found = /-----BEGIN [A-Z0-9 ]+-----/.test(text) ? readPem(text, password, budget) : readDer(bytes, password, budget);
  const chosen = chooseKey(found);
  return { ...chosen, warnings: checkStrength(chosen.key) };
}

interface Candidate {
  key: KeyObject;
  format: KeyFormat;
}

interface Found {
  candidates: Candidate[];
  certificates: X509Certificate[];
  unreadableKeys: number;
}

function readDer(bytes: Buffer, password: string | undefined, budget: WorkBudget): Found {
  const top = tryParseAsn1(bytes);
  if (!top || !looksLikePkcs12(top)) {
    throw new SigningKeyError(
      'KEY_FORMAT_UNKNOWN',
      'This is not a key file Outpost knows: use a PKCS#12 (.p12) export or a PEM private key.',
    );
  }
  const contents = readPkcs12(top, password, budget);
  return {
    candidates: contents.keys.map((key) => ({ key, format: 'pkcs12' })),
    certificates: contents.certificates,
    unreadableKeys: contents.unreadableKeys,
  };
}

function readPem(text: string, password: string | undefined, budget: WorkBudget): Found {
  const found: Found = { candidates: [], certificates: [], unreadableKeys: 0 };
  for (const block of pemBlocks(text)) {
    switch (block.label) {
      case 'PRIVATE KEY':
        found.candidates.push({ key: loadDer(block.der, 'pkcs8'), format: 'pkcs8' });
        break;
      case 'ENCRYPTED PRIVATE KEY': {
        const plain = decryptPrivateKeyInfo(parseAsn1(block.der, 'encrypted PKCS#8'), password, budget);
        found.candidates.push({ key: loadDer(plain, 'pkcs8'), format: 'pkcs8-encrypted' });
        plain.fill(0);
        break;
      }
      case 'RSA PRIVATE KEY':
        found.candidates.push({ key: loadPkcs1(block, password), format: 'pkcs1' });
        break;
      case 'EC PRIVATE KEY':
      case 'DSA PRIVATE KEY':
        found.unreadableKeys++;
        break;
      case 'OPENSSH PRIVATE KEY':
        throw new SigningKeyError(
          'KEY_FORMAT_UNSUPPORTED',
          'OpenSSH key files are not supported; convert the key to PEM (ssh-keygen -p -m PEM) first.',
        );
      case 'CERTIFICATE':
        try {
          found.certificates.push(new X509Certificate(block.der));
        } catch {
          // Only used to pick among several keys.
        }
        break;
      default:
      // Other blocks (public keys, parameters) are not what an import looks for.
    }
  }
  return found;
}

function loadDer(der: Buffer, type: 'pkcs8' | 'pkcs1'): KeyObject {
  try {
    return crypto.createPrivateKey({ key: der, format: 'der', type });
  } catch (cause) {
    throw new SigningKeyError('KEY_FORMAT_UNKNOWN', 'The private key in this file is damaged.', { cause });
  }
}

/** "RSA PRIVATE KEY", possibly encrypted the old OpenSSL way (Proc-Type/DEK-Info headers). */
function loadPkcs1(block: PemBlock, password: string | undefined): KeyObject {
  if (!/^Proc-Type:\s*4,ENCRYPTED/m.test(block.headers)) return loadDer(block.der, 'pkcs1');
  if (!password) {
    throw new SigningKeyError('KEY_PASSWORD_REQUIRED', 'This key file is protected: give its password.');
  }
  try {
    return crypto.createPrivateKey({ key: block.text, format: 'pem', passphrase: password });
  } catch (cause) {
    throw new SigningKeyError('KEY_PASSWORD_WRONG', 'The password does not open this key file.', { cause });
  }
}

/** The only RSA key, else the one RSA key a certificate in the same file belongs to. */
function chooseKey(found: Found): Candidate {
  const bySpki = new Map<string, Candidate>();
  for (const candidate of found.candidates) {
    if (candidate.key.asymmetricKeyType === 'rsa') bySpki.set(updateKeyOf(candidate.key), candidate);
  }
  if (bySpki.size === 0) {
    if (found.candidates.length > 0 || found.unreadableKeys > 0) {
      throw new SigningKeyError(
        'KEY_UNSUPPORTED',
        'The key in this file is not an RSA key; update manifests for legacy clients need RSA.',
      );
    }
    throw new SigningKeyError('KEY_IMPORT_NO_KEY', 'This file holds no private key (only certificates?).');
  }
  const rsa = [...bySpki.values()];
  if (rsa.length === 1) return rsa[0]!;
  const certified = new Set(found.certificates.map((cert) => updateKeyOf(cert.publicKey)));
  const matching = [...bySpki.entries()].filter(([spki]) => certified.has(spki));
  if (matching.length === 1) return matching[0]![1];
  throw new SigningKeyError(
    'KEY_IMPORT_AMBIGUOUS',
    'This file holds several RSA keys and no single certificate telling which is the signing key; export only that key.',
  );
}

function checkStrength(key: KeyObject): string[] {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_IMPORT_BITS) {
    throw new SigningKeyError('KEY_TOO_WEAK', `This ${bits}-bit RSA key is too weak to use; the minimum is 1024 bits.`);
  }
  if (bits < RECOMMENDED_BITS) {
    return [
      `This ${bits}-bit RSA key is weak by today's standards; it is kept because installed add-ons only accept ` +
        'updates signed by the key they shipped with. Create 2048-bit or larger keys for new add-ons.',
    ];
  }
  return [];
}

interface PemBlock {
  label: string;
  headers: string;
  der: Buffer;
  text: string;
}

function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g)) {
    const lines = m[2]!.split(/\r?\n/).map((line) => line.trim());
    const headers = lines.filter((line) => line.includes(':')).join('\n');
    const base64 = lines.filter((line) => line !== '' && !line.includes(':')).join('');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
      throw new SigningKeyError('KEY_FORMAT_UNKNOWN', `The PEM block "${m[1]}" is damaged (not base64).`);
    }
    blocks.push({ label: m[1]!, headers, der: Buffer.from(base64, 'base64'), text: m[0] });
  }
  return blocks;
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
