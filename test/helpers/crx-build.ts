/**
 * Builds CRX3 packages by hand for the reader's tests, with node:crypto and a few lines of protobuf
 * written here, independently of src/crx/, so a bug in Outpost's writer cannot hide the same bug in
 * its reader. Keys are made once per process and per label.
 */
import crypto, { type KeyObject } from 'node:crypto';
import { buildXpi } from './build-xpi.ts';

const keys = new Map<string, KeyObject>();

export function rsaKey(label = 'developer', bits = 2048): KeyObject {
  const name = `rsa:${label}:${bits}`;
  let key = keys.get(name);
  if (!key) {
    key = crypto.generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 }).privateKey;
    keys.set(name, key);
  }
  return key;
}

export function ecKey(label = 'ecdsa', namedCurve = 'prime256v1'): KeyObject {
  const name = `ec:${label}:${namedCurve}`;
  let key = keys.get(name);
  if (!key) {
    key = crypto.generateKeyPairSync('ec', { namedCurve }).privateKey;
    keys.set(name, key);
  }
  return key;
}

export function spkiOf(key: KeyObject): Buffer {
  return crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
}

/** The id as written in Chromium's id_util: sha256(SPKI)[0..16], nibbles as a-p. */
export function idOf(spki: Buffer): string {
  const hex = crypto.createHash('sha256').update(spki).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

export function extensionManifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { manifest_version: 3, name: 'Test extension', version: '1.0', ...overrides };
}

export function buildExtensionZip(
  manifest: Record<string, unknown> | string = extensionManifest(),
  files: Record<string, string | Buffer> = { 'background.js': 'console.log("hi");\n' },
): Promise<Buffer> {
  return buildXpi({ 'manifest.json': typeof manifest === 'string' ? manifest : JSON.stringify(manifest, null, 2), ...files });
}

/** One DER element; lengths up to 64 KiB, which covers a 16384-bit key. */
function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

/** SPKI DER of an RSA public key with these big-endian integers (a 0 is added where DER needs one). */
export function rsaSpki(modulus: Buffer, exponent: Buffer): Buffer {
  const integer = (bytes: Buffer): Buffer => der(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
  const rsaPublicKey = der(0x30, Buffer.concat([integer(modulus), integer(exponent)]));
  const algorithm = Buffer.from('300d06092a864886f70d0101010500', 'hex');
  return der(0x30, Buffer.concat([algorithm, der(0x03, Buffer.concat([Buffer.from([0]), rsaPublicKey]))]));
}

/** SPKI DER of an RSA "key" with an odd modulus of exactly `bits` bits (no private half exists). */
export function rsaSpkiWithModulusBits(bits: number, exponent: Buffer = Buffer.from([1, 0, 1])): Buffer {
  const modulus = crypto.randomBytes(Math.ceil(bits / 8));
  modulus[0] = (modulus[0]! | 0x80) >> (modulus.length * 8 - bits);
  modulus[modulus.length - 1]! |= 1;
  return rsaSpki(modulus, exponent);
}

// --- protobuf, the few bytes CRX3 needs ---

export function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

export function field(number: number, value: Buffer): Buffer {
  return Buffer.concat([varint(number * 8 + 2), varint(value.length), value]);
}

export function signedDataFor(crxId: Buffer): Buffer {
  return field(1, crxId);
}

export function crxIdFor(key: KeyObject): Buffer {
  return crypto.createHash('sha256').update(spkiOf(key)).digest().subarray(0, 16);
}

/** What every proof signs: "CRX3 SignedData\x00" ‖ uint32 LE len ‖ signed header data ‖ ZIP. */
export function crx3SignedMessage(signedHeaderData: Buffer, zip: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(signedHeaderData.length);
  return Buffer.concat([Buffer.from('CRX3 SignedData\x00', 'latin1'), length, signedHeaderData, zip]);
}

/**
 * EMSA-PKCS1-v1_5 of SHA-256(message) for a modulus of `bytes` bytes: what an RSA signature
 * decrypts to, and so the whole "signature" under a key whose public exponent is 1.
 */
export function pkcs1Sha256Encoding(message: Buffer, bytes: number): Buffer {
  const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), crypto.createHash('sha256').update(message).digest()]);
  return Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(bytes - 3 - digestInfo.length, 0xff), Buffer.from([0]), digestInfo]);
}

/** A proof's signature by `key` (RSA PKCS#1 v1.5 or ECDSA, by its type) over crx3SignedMessage. */
export function crx3Signature(key: KeyObject, signedHeaderData: Buffer, zip: Buffer): Buffer {
  const message = crx3SignedMessage(signedHeaderData, zip);
  return key.asymmetricKeyType === 'ec'
    ? crypto.sign('sha256', message, key)
    : crypto.sign('sha256', message, { key, padding: crypto.constants.RSA_PKCS1_PADDING });
}

export function proofField(algorithm: 'rsa' | 'ecdsa', publicKey: Buffer, signature: Buffer): Buffer {
  return field(algorithm === 'rsa' ? 2 : 3, Buffer.concat([field(1, publicKey), field(2, signature)]));
}

export function frameCrx3(header: Buffer, zip: Buffer, opts: { version?: number; declaredLength?: number } = {}): Buffer {
  const preamble = Buffer.alloc(12);
  preamble.write('Cr24', 0, 'latin1');
  preamble.writeUInt32LE(opts.version ?? 3, 4);
  preamble.writeUInt32LE(opts.declaredLength ?? header.length, 8);
  return Buffer.concat([preamble, header, zip]);
}

export interface HandMadeCrx {
  /** Keys that sign, each as an RSA or ECDSA proof by its type (default: the developer RSA key). */
  signers?: KeyObject[];
  /** Whose id goes into crx_id (default: the first signer). */
  idKey?: KeyObject;
  signedHeaderData?: Buffer;
  /** Extra header fields, appended after the proofs. */
  extra?: Buffer;
}

/**
 * A CRX3 "signed" by a made-up RSA key with public exponent 1, whose signature is just the padded
 * hash (no private key exists or is needed): OpenSSL verifies it, Chromium's BoringSSL refuses the key.
 */
export function unitExponentCrx(zip: Buffer): { crx: Buffer; spki: Buffer; signedHeaderData: Buffer; signature: Buffer } {
  const spki = rsaSpkiWithModulusBits(2048, Buffer.from([1]));
  const signedHeaderData = signedDataFor(crypto.createHash('sha256').update(spki).digest().subarray(0, 16));
  const signature = pkcs1Sha256Encoding(crx3SignedMessage(signedHeaderData, zip), 256);
  return { crx: frameCrx3(Buffer.concat([proofField('rsa', spki, signature), field(10000, signedHeaderData)]), zip), spki, signedHeaderData, signature };
}

/** A CRX3 laid out as Chromium lays it out: proofs, then signed_header_data (field 10000). */
export function handMadeCrx(zip: Buffer, opts: HandMadeCrx = {}): Buffer {
  const signers = opts.signers ?? [rsaKey()];
  const signedHeaderData = opts.signedHeaderData ?? signedDataFor(crxIdFor(opts.idKey ?? signers[0]!));
  const proofs = signers.map((key) =>
    proofField(key.asymmetricKeyType === 'ec' ? 'ecdsa' : 'rsa', spkiOf(key), crx3Signature(key, signedHeaderData, zip)),
  );
  const header = Buffer.concat([...proofs, opts.extra ?? Buffer.alloc(0), field(10000, signedHeaderData)]);
  return frameCrx3(header, zip);
}
