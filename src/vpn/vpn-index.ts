import crypto, { type KeyObject } from 'node:crypto';
import { NAMES, VPN } from '../limits.ts';
import { isSafeSegment } from '../names/safe-segment.ts';
import { signerFromPrivateKey, type Signer } from '../signing/signer.ts';
import { parseStrictJson } from './strict-json.ts';
import { VpnError } from './vpn-errors.ts';
import { VPN_API_VERSION } from './vpn-manifest.ts';

/**
 * The add-on index a VPN client fetches as `<base>/manifest.json`, and its detached signature
 * `<base>/manifest.json.sig`: RSA PKCS#1 v1.5 with SHA-256 over the exact bytes, the raw signature
 * in the file (AddonIndex::validateIndexSignature; `openssl dgst -sha256 -verify` checks it too).
 * The client checks api_version "0.1" and that every entry has an id and a 64-character sha256
 * (AddonIndex::validateIndex), and ignores other top-level keys; Outpost adds `serial` and
 * `expires` there, so that its own verifier (verifyIndex) can refuse a replayed or stale index,
 * which the client itself cannot.
 */

export interface VpnIndexEntry {
  readonly id: string;
  /** Lowercase hex SHA-256 of `<id>.rcc`. */
  readonly sha256: string;
}

export interface VpnIndex {
  readonly apiVersion: typeof VPN_API_VERSION;
  readonly addons: readonly VpnIndexEntry[];
  readonly serial: number | undefined;
  readonly expires: Date | undefined;
}

export interface IndexContent {
  readonly addons: readonly VpnIndexEntry[];
  /** Grows with every index published; verifiers refuse anything below the last one they saw. */
  readonly serial: number;
  readonly expires: Date;
  /** The serial of the index this one replaces: `serial` must be above it. */
  readonly previousSerial?: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** toISOString's form, the only one renderIndex writes. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

function invalid(message: string): VpnError {
  return new VpnError('VPN_INDEX_INVALID', message);
}

/** Ids name the files the client downloads (`<base>/<id>.rcc`), so they follow the safe-name rule. */
function checkEntries(addons: readonly VpnIndexEntry[], sha256: RegExp): void {
  if (addons.length > VPN.maxIndexEntries) throw invalid(`The index lists ${addons.length} add-ons; at most ${VPN.maxIndexEntries} are accepted.`);
  const seen = new Set<string>();
  for (const { id, sha256: hash } of addons) {
    if (typeof id !== 'string' || !isSafeSegment(id, NAMES.maxAddonIdLength)) throw invalid(`The index lists the add-on id ${JSON.stringify(id)}, which cannot be a file name.`);
    if (typeof hash !== 'string' || !sha256.test(hash)) throw invalid(`The index entry "${id}" needs a sha256 of 64 hex digits.`);
    if (seen.has(id)) throw invalid(`The index lists "${id}" twice.`);
    seen.add(id);
  }
}

const isSerial = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** The index bytes: entries sorted by id (UTF-16 code units), two-space indented, one final newline. */
export function renderIndex(content: IndexContent): Buffer {
  checkEntries(content.addons, SHA256_HEX);
  if (!isSerial(content.serial)) throw invalid('The index serial must be a whole number from 0 up.');
  if (content.previousSerial !== undefined && content.serial <= content.previousSerial) {
    throw invalid(`The index serial must grow: ${content.serial} is not above ${content.previousSerial}.`);
  }
  if (Number.isNaN(content.expires.getTime())) throw invalid('The index expiry is not a valid time.');
  const addons = [...content.addons]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ id, sha256 }) => ({ id, sha256 }));
  const index = { api_version: VPN_API_VERSION, addons, serial: content.serial, expires: content.expires.toISOString() };
  return Buffer.from(`${JSON.stringify(index, null, 2)}\n`, 'utf8');
}

/** RSA (PKCS#1 v1.5 capable, so not RSA-PSS-only) and of a size the client's key could be. */
function checkRsaBits(bits: number, what: string): void {
  if (bits < VPN.minRsaBits) throw new VpnError('VPN_KEY_TOO_SMALL', `${what} has ${bits} bits; the add-on index needs at least ${VPN.minRsaBits} (Mozilla signs with 4096).`);
  if (bits > VPN.maxRsaBits) throw new VpnError('VPN_KEY_UNSUPPORTED', `${what} has ${bits} bits; at most ${VPN.maxRsaBits} are accepted.`);
}

/** The raw signature to publish as manifest.json.sig. */
export function signIndex(index: Buffer, key: KeyObject | Signer): Buffer {
  const signer = 'sign' in key ? key : signerFromPrivateKey(key);
  checkRsaBits(signer.bits, 'The signing key');
  return signer.sign(index, 'sha256');
}

function publicRsaKey(key: KeyObject): KeyObject {
  if (key.type === 'secret') throw new VpnError('VPN_KEY_UNSUPPORTED', 'Verifying the add-on index needs an RSA public key, not a secret key.');
  const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new VpnError('VPN_KEY_UNSUPPORTED', `The add-on index is signed with RSA; this key is ${publicKey.asymmetricKeyType ?? 'of an unknown type'}.`);
  }
  checkRsaBits(publicKey.asymmetricKeyDetails?.modulusLength ?? 0, 'The public key');
  return publicKey;
}

function parseIndex(bytes: Buffer): VpnIndex {
  const json = parseStrictJson(bytes, 'The index', 'VPN_INDEX_INVALID', VPN.maxJsonDepth);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('The index must be a JSON object.');
  const { api_version: apiVersion, addons, serial, expires } = json as Record<string, unknown>;
  if (apiVersion !== VPN_API_VERSION) throw invalid(`The index must have "api_version": "${VPN_API_VERSION}", which the client requires.`);
  if (!Array.isArray(addons) || !addons.every((entry) => typeof entry === 'object' && entry !== null && !Array.isArray(entry))) {
    throw invalid('The index "addons" must be an array of objects.');
  }
  const entries = addons.map((entry: Record<string, unknown>) => ({ id: entry.id, sha256: entry.sha256 })) as VpnIndexEntry[];
  // The client accepts either case (QByteArray::fromHex).
  checkEntries(entries, /^[0-9a-fA-F]{64}$/);
  if (serial !== undefined && !isSerial(serial)) throw invalid('The index "serial" must be a whole number from 0 up.');
  if (expires !== undefined && (typeof expires !== 'string' || !ISO_TIME.test(expires) || Number.isNaN(Date.parse(expires)))) {
    throw invalid('The index "expires" must be an ISO 8601 UTC time such as "2030-01-01T00:00:00.000Z".');
  }
  return { apiVersion: VPN_API_VERSION, addons: entries, serial, expires: expires === undefined ? undefined : new Date(expires) };
}

export interface VerifyOptions {
  /** Refuse an index that has no `expires`, or whose `expires` is not after this time. */
  readonly now?: Date;
  /** Refuse an index that has no `serial`, or a smaller one: a replay of an older index. */
  readonly minSerial?: number;
}

/**
 * Checks the signature over the exact bytes, then the shape the client checks, then (when asked)
 * freshness. Backs `outpost verify-index`; the key and the time are arguments.
 */
export function verifyIndex(index: Buffer, signature: Buffer, key: KeyObject, options: VerifyOptions = {}): VpnIndex {
  if (index.length > VPN.maxIndexBytes) throw invalid(`The index is ${index.length} bytes; at most ${VPN.maxIndexBytes} are accepted.`);
  const publicKey = publicRsaKey(key);
  const modulusBytes = Math.ceil((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  let valid = signature.length === modulusBytes;
  try {
    valid &&= crypto.verify('sha256', index, { key: publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    // OpenSSL throws on some malformed signatures instead of answering false.
    valid = false;
  }
  if (!valid) throw new VpnError('VPN_INDEX_SIGNATURE_INVALID', 'The index signature does not verify with this key: the index was changed, or signed with another key.');
  const parsed = parseIndex(index);
  if (options.minSerial !== undefined && (parsed.serial === undefined || parsed.serial < options.minSerial)) {
    throw new VpnError('VPN_INDEX_ROLLBACK', `The index has serial ${parsed.serial ?? 'none'}, below ${options.minSerial}: it is older than one already seen.`);
  }
  if (options.now !== undefined && (parsed.expires === undefined || parsed.expires.getTime() <= options.now.getTime())) {
    throw new VpnError('VPN_INDEX_EXPIRED', parsed.expires ? `The index expired at ${parsed.expires.toISOString()}.` : 'The index does not say when it expires.');
  }
  return parsed;
}
