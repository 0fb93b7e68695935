import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { OutpostError } from '../errors.ts';
import type { SignatureDigest, Signer } from './signer.ts';

/**
 * em:signature = base64(DER SEQUENCE { AlgorithmIdentifier, BIT STRING raw-signature }) and
 * em:updateKey = base64(DER SubjectPublicKeyInfo), as McCoy wrote and NSS reads them
 * (mccoy-signing.md §1).
 */
export type SignatureErrorCode = 'SIGNATURE_MALFORMED' | 'UPDATE_KEY_MALFORMED';
export class SignatureError extends OutpostError<SignatureErrorCode> {}

interface Algorithm {
  name: string;
  hash: string;
  /** node:crypto key type the algorithm needs. */
  keyType: 'rsa' | 'ec' | 'dsa';
}

// The signature algorithms NSS's VFY_VerifyDataWithAlgorithmID accepts for update manifests.
const ALGORITHMS: Record<string, Algorithm> = {
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'md5', keyType: 'rsa' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1', keyType: 'rsa' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'sha224', keyType: 'rsa' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256', keyType: 'rsa' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384', keyType: 'rsa' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512', keyType: 'rsa' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'sha1', keyType: 'ec' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'sha224', keyType: 'ec' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256', keyType: 'ec' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384', keyType: 'ec' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512', keyType: 'ec' },
  '1.2.840.10040.4.3': { name: 'dsa-with-sha1', hash: 'sha1', keyType: 'dsa' },
  '2.16.840.1.101.3.4.3.1': { name: 'dsa-with-sha224', hash: 'sha224', keyType: 'dsa' },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa-with-sha256', hash: 'sha256', keyType: 'dsa' },
};

const SIGNING_OIDS: Record<SignatureDigest, string> = {
  sha256: '1.2.840.113549.1.1.11',
  sha512: '1.2.840.113549.1.1.13',
};

/** Base64 as NSS decodes it: whitespace anywhere is skipped. */
export function decodeBase64Loose(value: string): Buffer | undefined {
  const compact = value.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  return Buffer.from(compact, 'base64');
}

export function parseUpdateKey(updateKey: string): KeyObject {
  const der = decodeBase64Loose(updateKey);
  if (!der) throw new SignatureError('UPDATE_KEY_MALFORMED', 'The updateKey is not valid base64.');
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new SignatureError('UPDATE_KEY_MALFORMED', 'The updateKey is not a DER SubjectPublicKeyInfo.', { cause });
  }
}

export interface DecodedSignature {
  algorithmOid: string;
  algorithm?: Algorithm;
  hasNullParameters: boolean;
  signature: Buffer;
}

export function decodeSignature(value: string): DecodedSignature {
  const der = decodeBase64Loose(value);
  if (!der) throw new SignatureError('SIGNATURE_MALFORMED', 'em:signature is not valid base64.');
  try {
    const top = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')), true);
    const [algId, bits] = top.value as forge.asn1.Asn1[];
    const [oid, params] = (algId?.value ?? []) as forge.asn1.Asn1[];
    if (!oid || !bits || bits.type !== forge.asn1.Type.BITSTRING || oid.type !== forge.asn1.Type.OID) {
      throw new Error('unexpected structure');
    }
    const algorithmOid = forge.asn1.derToOid(oid.value as string);
    // forge keeps a BIT STRING's leading "unused bits" byte in its value.
    const raw = Buffer.from(bits.value as string, 'binary');
    if (raw[0] !== 0) throw new Error('BIT STRING with unused bits');
    return {
      algorithmOid,
      algorithm: ALGORITHMS[algorithmOid],
      hasNullParameters: params?.type === forge.asn1.Type.NULL,
      signature: raw.subarray(1),
    };
  } catch (cause) {
    if (cause instanceof SignatureError) throw cause;
    throw new SignatureError('SIGNATURE_MALFORMED', 'em:signature is not a DER signature structure.', { cause });
  }
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derOid(oid: string): Buffer {
  return Buffer.from(forge.asn1.oidToDer(oid).getBytes(), 'binary');
}

/** Wraps a raw signature the way McCoy did: AlgorithmIdentifier with explicit NULL parameters. */
export function encodeSignature(raw: Buffer, digest: SignatureDigest): string {
  const algId = der(0x30, Buffer.concat([der(0x06, derOid(SIGNING_OIDS[digest])), Buffer.from([0x05, 0x00])]));
  const bitString = der(0x03, Buffer.concat([Buffer.from([0x00]), raw]));
  return der(0x30, Buffer.concat([algId, bitString])).toString('base64');
}

export function signBytes(data: Buffer, signer: Signer, digest: SignatureDigest = 'sha512'): string {
  return encodeSignature(signer.sign(data, digest), digest);
}

export type VerifyFailure = 'signature-malformed' | 'key-malformed' | 'algorithm-unsupported' | 'key-mismatch' | 'bad-signature';

export type VerifyResult = { ok: true; algorithm: string } | { ok: false; reason: VerifyFailure; detail: string };

export function verifyBytes(data: Buffer, signature: string, updateKey: string): VerifyResult {
  let key: KeyObject;
  let decoded: DecodedSignature;
  try {
    key = parseUpdateKey(updateKey);
  } catch (err) {
    return { ok: false, reason: 'key-malformed', detail: (err as Error).message };
  }
  try {
    decoded = decodeSignature(signature);
  } catch (err) {
    return { ok: false, reason: 'signature-malformed', detail: (err as Error).message };
  }
  const alg = decoded.algorithm;
  if (!alg) {
    return { ok: false, reason: 'algorithm-unsupported', detail: `Unknown signature algorithm ${decoded.algorithmOid}.` };
  }
  const keyType = key.asymmetricKeyType === 'rsa-pss' ? 'rsa-pss' : key.asymmetricKeyType;
  if (keyType !== alg.keyType) {
    return { ok: false, reason: 'key-mismatch', detail: `A ${alg.name} signature cannot be checked with a ${keyType} key.` };
  }
  if (alg.keyType === 'rsa') {
    const modulusBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
    if (decoded.signature.length !== modulusBytes) {
      return { ok: false, reason: 'bad-signature', detail: `The signature is ${decoded.signature.length} bytes; the key needs ${modulusBytes}.` };
    }
  }
  let ok = false;
  try {
    ok = cryptoVerify(alg.hash, data, key, decoded.signature);
  } catch {
    ok = false;
  }
  return ok
    ? { ok: true, algorithm: alg.name }
    : { ok: false, reason: 'bad-signature', detail: `The ${alg.name} signature does not match this key and content.` };
}
