import crypto, { X509Certificate, type KeyObject } from 'node:crypto';
import { SigningKeyError } from './key-errors.ts';
import {
  explicit, integer, isContextTag, octets, oid, parseAsn1, rawContents, sequence, toDer, tryParseAsn1, type Asn1,
} from './key-asn1.ts';
import { decryptPrivateKeyInfo, decryptWithPassword } from './password-encryption.ts';
import { passwordError, pkcs12Kdf, pkcs12PasswordCandidates, type WorkBudget } from './password-kdf.ts';

/**
 * Reads a PKCS#12 (RFC 7292) file in password-integrity mode, as NSS's `pk12util -o` writes it
 * (Debian 12, NSS 3.87: BER with indefinite lengths, HMAC-SHA256 MAC, PBES2 AES-256 key bag and
 * AES-128 certificate bag, 600 000 iterations), and as older NSS and OpenSSL versions wrote it
 * (SHA-1 MAC, PKCS#12 3DES and RC2 PBE). Returns every private key and certificate found; choosing
 * one is the caller's business.
 */
export interface Pkcs12Contents {
  keys: KeyObject[];
  /** Key bags node:crypto could not load (an algorithm it does not know). */
  unreadableKeys: number;
  certificates: X509Certificate[];
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbmac1: '1.2.840.113549.1.5.14',
};

const MAC_HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const MAX_NESTING = 4;

function unsupported(what: string): SigningKeyError {
  return new SigningKeyError(
    'KEY_FORMAT_UNSUPPORTED',
    `This PKCS#12 file uses ${what}, which Outpost cannot read; export it again with current NSS or OpenSSL defaults.`,
  );
}

/** PFX ::= SEQUENCE { version INTEGER, authSafe ContentInfo, macData OPTIONAL } with PKCS#7 content. */
export function looksLikePkcs12(top: Asn1): boolean {
  try {
    const [version, authSafe] = sequence(top, 'PFX');
    integer(version, 'PFX version');
    const type = oid(sequence(authSafe, 'PFX content')[0], 'PFX content type');
    return type === OID.data || type === OID.signedData;
  } catch {
    return false;
  }
}

export function readPkcs12(top: Asn1, password: string | undefined, budget: WorkBudget): Pkcs12Contents {
  const [versionNode, authSafe, macData] = sequence(top, 'PFX');
  const version = integer(versionNode, 'PFX version');
  if (version !== 3) throw unsupported(`PFX version ${version}`);
  const [typeNode, content] = sequence(authSafe, 'PFX content');
  if (oid(typeNode, 'PFX content type') !== OID.data) throw unsupported('public-key integrity (a signed PFX)');
  const authSafeBytes = octets(explicit(content, 0, 'PFX content'), 'PFX content');
  // Checking the MAC first tells a wrong password from a damaged file before any decryption.
  if (macData) verifyMac(macData, authSafeBytes, password, budget);

  const found: Pkcs12Contents = { keys: [], unreadableKeys: 0, certificates: [] };
  for (const contentInfo of sequence(parseAsn1(authSafeBytes, 'AuthenticatedSafe'), 'AuthenticatedSafe')) {
    const [infoType, infoContent] = sequence(contentInfo, 'ContentInfo');
    const type = oid(infoType, 'ContentInfo type');
    let safeContents: Buffer;
    if (type === OID.data) {
      safeContents = octets(explicit(infoContent, 0, 'ContentInfo'), 'SafeContents');
    } else if (type === OID.encryptedData) {
      safeContents = decryptSafeContents(explicit(infoContent, 0, 'EncryptedData'), password, budget);
    } else {
      throw unsupported(`a ${type} section (only password-encrypted sections are supported)`);
    }
    readSafeContents(parseAsn1(safeContents, 'SafeContents'), password, budget, found, 0);
  }
  return found;
}

function verifyMac(macData: Asn1, authSafeBytes: Buffer, password: string | undefined, budget: WorkBudget): void {
  const [digestInfo, saltNode, iterationsNode] = sequence(macData, 'MacData');
  const [algorithm, digestNode] = sequence(digestInfo, 'MAC');
  const algOid = oid(sequence(algorithm, 'MAC algorithm')[0], 'MAC algorithm');
  if (algOid === OID.pbmac1) throw unsupported('a PBMAC1 integrity check');
  const hash = MAC_HASHES[algOid];
  if (!hash) throw unsupported(`MAC algorithm ${algOid}`);
  const expected = octets(digestNode, 'MAC value');
  const salt = octets(saltNode, 'MAC salt');
  const iterations = iterationsNode ? integer(iterationsNode, 'MAC iterations') : 1; // DEFAULT 1
  const macLength = crypto.createHash(hash).digest().length;
  for (const candidate of pkcs12PasswordCandidates(password ?? '')) {
    const key = pkcs12Kdf(hash, candidate, salt, 3, iterations, macLength, budget);
    const mac = crypto.createHmac(hash, key).update(authSafeBytes).digest();
    if (mac.length === expected.length && crypto.timingSafeEqual(mac, expected)) return;
  }
  throw passwordError(password);
}

/** EncryptedData ::= SEQUENCE { version, EncryptedContentInfo { type, algorithm, [0] IMPLICIT content } } */
function decryptSafeContents(encryptedData: Asn1, password: string | undefined, budget: WorkBudget): Buffer {
  const [, info] = sequence(encryptedData, 'EncryptedData');
  const [, algorithm, contentNode] = sequence(info, 'EncryptedContentInfo');
  if (!isContextTag(contentNode, 0)) throw unsupported('an encrypted section stored outside the file');
  const ciphertext = rawContents(contentNode, 'encrypted content');
  return decryptWithPassword(algorithm, ciphertext, password, budget, (plain) => {
    const node = tryParseAsn1(plain);
    return node !== undefined && Array.isArray(node.value);
  });
}

function readSafeContents(
  safeContents: Asn1,
  password: string | undefined,
  budget: WorkBudget,
  found: Pkcs12Contents,
  depth: number,
): void {
  for (const bag of sequence(safeContents, 'SafeContents')) {
    const [idNode, valueNode] = sequence(bag, 'SafeBag');
    const id = oid(idNode, 'SafeBag type');
    const value = explicit(valueNode, 0, 'SafeBag value');
    if (id === OID.keyBag) {
      addKey(toDer(value), found);
    } else if (id === OID.shroudedKeyBag) {
      addKey(decryptPrivateKeyInfo(value, password, budget), found);
    } else if (id === OID.certBag) {
      const [certType, certValue] = sequence(value, 'CertBag');
      if (oid(certType, 'CertBag type') === OID.x509Certificate) {
        addCertificate(octets(explicit(certValue, 0, 'CertBag value'), 'certificate'), found);
      }
    } else if (id === OID.safeContentsBag) {
      if (depth >= MAX_NESTING) throw unsupported('sections nested too deeply');
      readSafeContents(value, password, budget, found, depth + 1);
    }
    // CRL and secret bags carry nothing a signing key needs.
  }
}

function addKey(privateKeyInfo: Buffer, found: Pkcs12Contents): void {
  try {
    found.keys.push(crypto.createPrivateKey({ key: privateKeyInfo, format: 'der', type: 'pkcs8' }));
  } catch {
    found.unreadableKeys++;
  } finally {
    privateKeyInfo.fill(0);
  }
}

function addCertificate(der: Buffer, found: Pkcs12Contents): void {
  try {
    found.certificates.push(new X509Certificate(der));
  } catch {
    // A certificate only helps pick among several keys; one node:crypto cannot read is ignored.
  }
}
