import { createHash } from 'node:crypto';
import { parseCertificate, type JamiCertificate } from './certificate.ts';
import {
  bitString,
  children,
  context,
  decodeOid,
  decodeTime,
  DerError,
  encode,
  encodeOid,
  encodeUnsignedInteger,
  explicit,
  expectTag,
  parseDer,
  sequenceOf,
  smallInteger,
  TAG,
  unsignedInteger,
  type DerNode,
} from './der.ts';
import { JamiError } from './jami-errors.ts';

/**
 * OCSP (RFC 6960) encoding and decoding: the request a client POSTs to a responder and the
 * response it gets back. No I/O here: src/storage/revocation-fetch.ts sends the bytes, and
 * ocsp-verify.ts decides whether a parsed response can be believed.
 */

export type OcspHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const HASH_OIDS: Record<OcspHash, string> = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};
const OID_BASIC_RESPONSE = '1.3.6.1.5.5.7.48.1.1';
const OID_NONCE = '1.3.6.1.5.5.7.48.1.2';

/** Identifies one certificate to a responder: hashes of its issuer's Name and key, and its serial. */
export interface OcspCertId {
  readonly hash: OcspHash;
  readonly issuerNameHash: Buffer;
  readonly issuerKeyHash: Buffer;
  readonly serial: Buffer;
}

export function ocspCertId(cert: JamiCertificate, issuer: JamiCertificate, hash: OcspHash = 'sha1'): OcspCertId {
  return {
    hash,
    // The Name as encoded in the certificate (the issuer's subject), and the key bits without
    // the BIT STRING's pad octet, exactly as RFC 6960 4.1.1 specifies.
    issuerNameHash: createHash(hash).update(cert.issuerName).digest(),
    issuerKeyHash: createHash(hash).update(issuer.publicKeyBits).digest(),
    serial: cert.serial,
  };
}

export function sameCertId(a: OcspCertId, b: OcspCertId): boolean {
  return a.hash === b.hash && a.issuerNameHash.equals(b.issuerNameHash) && a.issuerKeyHash.equals(b.issuerKeyHash) && a.serial.equals(b.serial);
}

export interface OcspRequestOptions {
  hash?: OcspHash;
  /** Adds the nonce extension; most responders behind caches ignore it, so it is off by default. */
  nonce?: Buffer;
}

/**
 * DER OCSPRequest for one certificate, unsigned. With the defaults (SHA-1 CertID, no nonce) the
 * bytes equal what `openssl ocsp -issuer I -cert C -no_nonce -reqout` writes.
 */
export function buildOcspRequest(cert: JamiCertificate, issuer: JamiCertificate, options: OcspRequestOptions = {}): Buffer {
  const id = ocspCertId(cert, issuer, options.hash);
  const certId = encode(
    TAG.SEQUENCE,
    encode(TAG.SEQUENCE, encodeOid(HASH_OIDS[id.hash]), encode(TAG.NULL)),
    encode(TAG.OCTET_STRING, id.issuerNameHash),
    encode(TAG.OCTET_STRING, id.issuerKeyHash),
    encodeUnsignedInteger(id.serial),
  );
  const requestList = encode(TAG.SEQUENCE, encode(TAG.SEQUENCE, certId));
  const extensions = options.nonce
    ? [encode(context(2), encode(TAG.SEQUENCE, encode(TAG.SEQUENCE, encodeOid(OID_NONCE), encode(TAG.OCTET_STRING, encode(TAG.OCTET_STRING, options.nonce)))))]
    : [];
  return encode(TAG.SEQUENCE, encode(TAG.SEQUENCE, requestList, ...extensions));
}

export type OcspResponseStatus = 'successful' | 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';
const RESPONSE_STATUS: Record<number, OcspResponseStatus> = {
  0: 'successful', 1: 'malformedRequest', 2: 'internalError', 3: 'tryLater', 5: 'sigRequired', 6: 'unauthorized',
};

export interface OcspSingleResponse {
  readonly certId: OcspCertId;
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly revokedAt?: Date;
  /** CRLReason code when the responder gives one (1 = keyCompromise, ...). */
  readonly revocationReason?: number;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

export interface BasicOcspResponse {
  /** The exact DER of tbsResponseData, which the signature covers. */
  readonly tbs: Buffer;
  readonly algorithm: DerNode;
  readonly signature: Buffer;
  readonly responderId: { readonly byName: Buffer } | { readonly byKeyHash: Buffer };
  readonly producedAt: Date;
  readonly responses: readonly OcspSingleResponse[];
  /** Certificates the responder sent along (a delegated responder's certificate). */
  readonly certs: readonly JamiCertificate[];
  readonly nonce?: Buffer;
}

export interface OcspResponse {
  readonly status: OcspResponseStatus;
  /** Present when status is 'successful'. */
  readonly basic?: BasicOcspResponse;
}

function hashFromAlgorithm(node: DerNode | undefined): OcspHash {
  const oid = decodeOid(sequenceOf(node, 'hashAlgorithm')[0], 'hash algorithm');
  const hash = (Object.keys(HASH_OIDS) as OcspHash[]).find((h) => HASH_OIDS[h] === oid);
  if (!hash) throw new DerError(`unsupported CertID hash ${oid}`);
  return hash;
}

function readCertId(node: DerNode | undefined): OcspCertId {
  const [alg, nameHash, keyHash, serial] = sequenceOf(node, 'CertID');
  return {
    hash: hashFromAlgorithm(alg),
    issuerNameHash: expectTag(nameHash, TAG.OCTET_STRING, 'issuerNameHash').content,
    issuerKeyHash: expectTag(keyHash, TAG.OCTET_STRING, 'issuerKeyHash').content,
    serial: unsignedInteger(serial, 'serialNumber'),
  };
}

function readSingle(node: DerNode): OcspSingleResponse {
  const [certId, status, thisUpdate, ...rest] = sequenceOf(node, 'SingleResponse');
  const next = rest.find((n) => n.tag === context(0));
  const common = { certId: readCertId(certId), thisUpdate: decodeTime(thisUpdate, 'thisUpdate'), ...(next && { nextUpdate: decodeTime(explicit(next, 'nextUpdate'), 'nextUpdate') }) };
  if (status?.tag === context(0, false)) return { ...common, status: 'good' };
  if (status?.tag === context(2, false)) return { ...common, status: 'unknown' };
  if (status?.tag !== context(1)) throw new DerError('unknown certStatus');
  const [time, reason] = children(status);
  return {
    ...common,
    status: 'revoked',
    revokedAt: decodeTime(time, 'revocationTime'),
    ...(reason?.tag === context(0) && { revocationReason: smallInteger(explicit(reason, 'revocationReason'), 'revocationReason', TAG.ENUMERATED) }),
  };
}

function readNonce(extensions: DerNode | undefined): Buffer | undefined {
  if (!extensions) return undefined;
  for (const ext of sequenceOf(explicit(extensions, 'responseExtensions'), 'responseExtensions')) {
    const parts = children(ext);
    if (decodeOid(parts[0], 'extension id') !== OID_NONCE) continue;
    const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'nonce').content;
    // RFC 8954 wraps the nonce in an OCTET STRING; some responders send it bare.
    try {
      const inner = parseDer(value);
      if (inner.tag === TAG.OCTET_STRING) return inner.content;
    } catch {
      // bare nonce
    }
    return value;
  }
  return undefined;
}

function readBasic(der: Buffer): BasicOcspResponse {
  const [tbs, algorithm, signature, certsNode] = sequenceOf(parseDer(der), 'BasicOCSPResponse');
  const fields = sequenceOf(tbs, 'ResponseData');
  if (fields[0]?.tag === context(0)) fields.shift(); // version
  const [responder, producedAt, responses, extensions] = fields;
  let responderId: BasicOcspResponse['responderId'];
  if (responder?.tag === context(1)) responderId = { byName: expectTag(explicit(responder, 'responderID'), TAG.SEQUENCE, 'responder name').raw };
  else if (responder?.tag === context(2)) responderId = { byKeyHash: expectTag(explicit(responder, 'responderID'), TAG.OCTET_STRING, 'responder key hash').content };
  else throw new DerError('missing responderID');
  const certs = certsNode ? sequenceOf(explicit(expectTag(certsNode, context(0), 'certs'), 'certs'), 'certs') : [];
  const nonce = readNonce(extensions?.tag === context(1) ? extensions : undefined);
  return {
    tbs: tbs!.raw,
    algorithm: expectTag(algorithm, TAG.SEQUENCE, 'signatureAlgorithm'),
    signature: bitString(signature, 'signature').bytes,
    responderId,
    producedAt: decodeTime(producedAt, 'producedAt'),
    responses: sequenceOf(responses, 'responses').map(readSingle),
    certs: certs.map((c, i) => parseCertificate(c.raw, 'JPL_OCSP_INVALID', `certificate #${i + 1} of the OCSP response`)),
    ...(nonce && { nonce }),
  };
}

/** Decodes a DER OCSPResponse. Unreadable input is JPL_OCSP_INVALID. */
export function parseOcspResponse(der: Buffer): OcspResponse {
  try {
    const [statusNode, bytesNode] = sequenceOf(parseDer(der), 'OCSPResponse');
    const code = smallInteger(statusNode, 'responseStatus', TAG.ENUMERATED);
    const status = RESPONSE_STATUS[code];
    if (!status) throw new DerError(`unknown responseStatus ${code}`);
    if (status !== 'successful') return { status };
    const [type, response] = sequenceOf(explicit(expectTag(bytesNode, context(0), 'responseBytes'), 'responseBytes'), 'ResponseBytes');
    const oid = decodeOid(type, 'responseType');
    if (oid !== OID_BASIC_RESPONSE) throw new DerError(`unsupported response type ${oid}`);
    return { status, basic: readBasic(expectTag(response, TAG.OCTET_STRING, 'response').content) };
  } catch (err) {
    if (err instanceof JamiError) throw err;
    const why = err instanceof DerError ? `: ${err.message}` : '';
    throw new JamiError('JPL_OCSP_INVALID', `The OCSP response cannot be read${why}. Check the responder URL in the certificate.`, { cause: err });
  }
}
