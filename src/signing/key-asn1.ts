import forge from 'node-forge';
import { SigningKeyError } from './key-errors.ts';

/**
 * Typed reading of the ASN.1 inside key files. node-forge does the BER parsing (PKCS#12 files from
 * NSS use indefinite lengths and chunked OCTET STRINGs, which plain DER readers refuse); these
 * helpers check each node's shape so the PKCS#12 and PBE code reads like the ASN.1 it follows.
 * Every shape mismatch is KEY_FORMAT_UNKNOWN: the file is not the structure it claims to be.
 */
export type Asn1 = forge.asn1.Asn1;

const { Class, Type } = forge.asn1;

function damaged(what: string, cause?: unknown): SigningKeyError {
  return new SigningKeyError('KEY_FORMAT_UNKNOWN', `The key file is damaged or not a key file (${what}).`, { cause });
}

/** Parses BER/DER; every byte must belong to the one top-level value. */
export function parseAsn1(bytes: Buffer, what: string): Asn1 {
  try {
    // decodeBitStrings off: forge would otherwise guess that BIT STRINGs hold nested ASN.1.
    const options = { strict: true, parseAllBytes: true, decodeBitStrings: false } as unknown as boolean;
    return forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')), options);
  } catch (cause) {
    throw damaged(what, cause);
  }
}

export function tryParseAsn1(bytes: Buffer): Asn1 | undefined {
  try {
    return parseAsn1(bytes, 'probe');
  } catch {
    return undefined;
  }
}

function isUniversal(node: Asn1 | undefined, type: forge.asn1.Type): node is Asn1 {
  return node !== undefined && node.tagClass === Class.UNIVERSAL && node.type === type;
}

export function sequence(node: Asn1 | undefined, what: string): Asn1[] {
  if (!isUniversal(node, Type.SEQUENCE) || !Array.isArray(node.value)) throw damaged(`${what}: expected a SEQUENCE`);
  return node.value;
}

export function set(node: Asn1 | undefined, what: string): Asn1[] {
  if (!isUniversal(node, Type.SET) || !Array.isArray(node.value)) throw damaged(`${what}: expected a SET`);
  return node.value;
}

export function oid(node: Asn1 | undefined, what: string): string {
  if (!isUniversal(node, Type.OID) || typeof node.value !== 'string') throw damaged(`${what}: expected an OID`);
  return forge.asn1.derToOid(node.value);
}

/** OCTET STRING contents; BER allows them split into a constructed list of chunks. */
export function octets(node: Asn1 | undefined, what: string): Buffer {
  if (node === undefined || node.type !== Type.OCTETSTRING) throw damaged(`${what}: expected an OCTET STRING`);
  return rawContents(node, what);
}

/** Contents of a primitive node, or the concatenated chunks of a constructed one (any tag). */
export function rawContents(node: Asn1, what: string): Buffer {
  if (typeof node.value === 'string') return Buffer.from(node.value, 'binary');
  return Buffer.concat(node.value.map((chunk) => octets(chunk, what)));
}

/** A non-negative INTEGER; values beyond 2^48 come back as Infinity (only ever compared to limits). */
export function integer(node: Asn1 | undefined, what: string): number {
  if (!isUniversal(node, Type.INTEGER) || typeof node.value !== 'string' || node.value.length === 0) {
    throw damaged(`${what}: expected an INTEGER`);
  }
  const bytes = Buffer.from(node.value, 'binary');
  if ((bytes[0]! & 0x80) !== 0) throw damaged(`${what}: negative INTEGER`);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const significant = bytes.subarray(start);
  return significant.length > 6 ? Infinity : significant.readUIntBE(0, significant.length);
}

/** The inner value of an EXPLICIT context tag `[tag]`. */
export function explicit(node: Asn1 | undefined, tag: number, what: string): Asn1 {
  if (node === undefined || node.tagClass !== Class.CONTEXT_SPECIFIC || node.type !== tag) {
    throw damaged(`${what}: expected [${tag}]`);
  }
  const inner = Array.isArray(node.value) ? node.value : [];
  if (inner.length !== 1) throw damaged(`${what}: [${tag}] must hold one value`);
  return inner[0]!;
}

export function isContextTag(node: Asn1 | undefined, tag: number): node is Asn1 {
  return node !== undefined && node.tagClass === Class.CONTEXT_SPECIFIC && node.type === tag;
}

export function isNull(node: Asn1 | undefined): boolean {
  return node === undefined || isUniversal(node, Type.NULL);
}

export function toDer(node: Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
}

// Builders for the one structure Outpost writes itself (EncryptedPrivateKeyInfo).
export const build = {
  sequence: (items: Asn1[]): Asn1 => forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items),
  oid: (value: string): Asn1 =>
    forge.asn1.create(Class.UNIVERSAL, Type.OID, false, forge.asn1.oidToDer(value).getBytes()),
  octets: (value: Buffer): Asn1 =>
    forge.asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, value.toString('binary')),
  integer: (value: number): Asn1 =>
    forge.asn1.create(Class.UNIVERSAL, Type.INTEGER, false, forge.asn1.integerToDer(value).getBytes()),
};
