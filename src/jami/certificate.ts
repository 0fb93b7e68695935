import { X509Certificate, type KeyObject } from 'node:crypto';
import {
  bitString,
  children,
  context,
  decodeOid,
  decodeTime,
  DerError,
  explicit,
  expectTag,
  parseDer,
  pemBlocks,
  sequenceOf,
  smallInteger,
  TAG,
  unsignedInteger,
  type DerNode,
} from './der.ts';
import { JamiError, type JamiErrorCode } from './jami-errors.ts';
import { commonName } from './names.ts';

/**
 * One X.509 certificate with the fields path validation needs. node:crypto's X509Certificate
 * verifies signatures (RSA, ECDSA, EdDSA issuers alike) and gives the public key; the fields Node 20
 * does not expose exactly (validity as instants, keyUsage bits, path length, CRL and OCSP URLs,
 * the raw issuer Name that OCSP hashes) are read from the DER here.
 */
export interface JamiCertificate {
  readonly der: Buffer;
  readonly x509: X509Certificate;
  /** Serial number as unsigned big-endian bytes. */
  readonly serial: Buffer;
  /** The DER of the issuer and subject Names, exactly as encoded in the certificate. */
  readonly issuerName: Buffer;
  readonly subjectName: Buffer;
  readonly subjectCN: string | undefined;
  readonly issuerCN: string | undefined;
  /** "CN=Example Org" style label for messages. */
  readonly label: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** basicConstraints cA. */
  readonly isCA: boolean;
  readonly pathLength: number | undefined;
  /** keyUsage bits by name, or undefined when the extension is absent (then every use is allowed). */
  readonly keyUsage: ReadonlySet<KeyUsage> | undefined;
  readonly extendedKeyUsage: readonly string[] | undefined;
  readonly crlUrls: readonly string[];
  readonly ocspUrls: readonly string[];
  /** DER SubjectPublicKeyInfo, and the key bits OCSP hashes (the BIT STRING without its pad octet). */
  readonly spki: Buffer;
  readonly publicKeyBits: Buffer;
  readonly publicKey: KeyObject;
}

export type KeyUsage =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

const KEY_USAGE_BITS: readonly KeyUsage[] = [
  'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement',
  'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly',
];

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  ocspAccess: '1.3.6.1.5.5.7.48.1',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
} as const;

/**
 * Critical extensions that are understood (or harmless to accept: they only describe names and
 * key identifiers). Any other critical extension makes a certificate unusable, as RFC 5280 says.
 */
const UNDERSTOOD_CRITICAL = new Set<string>([
  OID.basicConstraints, OID.keyUsage, OID.extKeyUsage, OID.crlDistributionPoints, OID.authorityInfoAccess,
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.17', // subjectAltName
  '2.5.29.32', // certificatePolicies (Outpost requires no particular policy)
]);

interface Extension {
  oid: string;
  critical: boolean;
  value: DerNode;
}

function readExtensions(node: DerNode | undefined): Extension[] {
  if (!node) return [];
  return sequenceOf(explicit(node, 'extensions'), 'extensions').map((ext) => {
    const parts = sequenceOf(ext, 'extension');
    const oid = decodeOid(parts[0], 'extension id');
    const hasCritical = parts[1]?.tag === TAG.BOOLEAN;
    const critical = hasCritical && parts[1]!.content[0] !== 0;
    const octets = expectTag(parts[hasCritical ? 2 : 1], TAG.OCTET_STRING, `extension ${oid}`);
    return { oid, critical, value: parseDer(octets.content) };
  });
}

function uriNames(generalNames: DerNode[]): string[] {
  // uniformResourceIdentifier is [6] IMPLICIT IA5String.
  return generalNames.filter((n) => n.tag === context(6, false)).map((n) => n.content.toString('latin1'));
}

function crlUrls(value: DerNode): string[] {
  const urls: string[] = [];
  for (const point of sequenceOf(value, 'CRL distribution points')) {
    const name = children(point).find((n) => n.tag === context(0));
    const fullName = name && children(name).find((n) => n.tag === context(0));
    if (fullName) urls.push(...uriNames(children(fullName)));
  }
  return urls;
}

function ocspUrls(value: DerNode): string[] {
  const urls: string[] = [];
  for (const access of sequenceOf(value, 'authority information access')) {
    const [method, location] = sequenceOf(access, 'access description');
    if (decodeOid(method, 'access method') === OID.ocspAccess && location) urls.push(...uriNames([location]));
  }
  return urls;
}

function keyUsageSet(value: DerNode): Set<KeyUsage> {
  const { bytes } = bitString(value, 'keyUsage');
  const usages = new Set<KeyUsage>();
  KEY_USAGE_BITS.forEach((usage, bit) => {
    if (((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) usages.add(usage);
  });
  return usages;
}

function parse(der: Buffer): JamiCertificate {
  const x509 = new X509Certificate(der);
  const [tbs] = sequenceOf(parseDer(der), 'certificate');
  const fields = sequenceOf(tbs, 'tbsCertificate');
  const hasVersion = fields[0]?.tag === context(0);
  const [serial, , issuer, validity, subject, spki, ...rest] = hasVersion ? fields.slice(1) : fields;
  const [notBefore, notAfter] = sequenceOf(validity, 'validity');
  const spkiParts = sequenceOf(spki, 'subjectPublicKeyInfo');
  const extensions = readExtensions(rest.find((n) => n.tag === context(3)));

  let isCA = false;
  let pathLength: number | undefined;
  let keyUsage: Set<KeyUsage> | undefined;
  let extendedKeyUsage: string[] | undefined;
  const crl: string[] = [];
  const ocsp: string[] = [];
  for (const ext of extensions) {
    if (ext.oid === OID.basicConstraints) {
      const parts = sequenceOf(ext.value, 'basicConstraints');
      const ca = parts[0]?.tag === TAG.BOOLEAN ? parts.shift()! : undefined;
      isCA = ca !== undefined && ca.content[0] !== 0;
      if (parts[0]) pathLength = smallInteger(parts[0], 'pathLenConstraint');
    } else if (ext.oid === OID.keyUsage) keyUsage = keyUsageSet(ext.value);
    else if (ext.oid === OID.extKeyUsage) extendedKeyUsage = sequenceOf(ext.value, 'extKeyUsage').map((n) => decodeOid(n, 'key purpose'));
    else if (ext.oid === OID.crlDistributionPoints) crl.push(...crlUrls(ext.value));
    else if (ext.oid === OID.authorityInfoAccess) ocsp.push(...ocspUrls(ext.value));
    else if (ext.critical && !UNDERSTOOD_CRITICAL.has(ext.oid)) {
      throw new DerError(`it has a critical extension (${ext.oid}) that Outpost does not understand`);
    }
  }
  const subjectCN = commonName(expectTag(subject, TAG.SEQUENCE, 'subject'));
  return {
    der,
    x509,
    serial: unsignedInteger(serial, 'serialNumber'),
    issuerName: expectTag(issuer, TAG.SEQUENCE, 'issuer').raw,
    subjectName: subject!.raw,
    subjectCN,
    issuerCN: commonName(issuer!),
    label: subjectCN !== undefined ? `CN=${subjectCN}` : x509.subject.replace(/\n/g, ', '),
    notBefore: decodeTime(notBefore, 'notBefore'),
    notAfter: decodeTime(notAfter, 'notAfter'),
    isCA,
    pathLength,
    keyUsage,
    extendedKeyUsage,
    crlUrls: crl,
    ocspUrls: ocsp,
    spki: spki!.raw,
    publicKeyBits: bitString(spkiParts[1], 'subjectPublicKey').bytes,
    publicKey: x509.publicKey,
  };
}

/** Parses one DER certificate; `code` says whose certificate it is (the plugin's or an anchor). */
export function parseCertificate(der: Buffer, code: JamiErrorCode = 'JPL_CERT_INVALID', where = 'certificate'): JamiCertificate {
  try {
    return parse(der);
  } catch (err) {
    const why = err instanceof DerError ? `: ${err.message}` : '';
    throw new JamiError(code, `The ${where} cannot be read${why}. Provide an X.509 certificate in PEM form.`, { cause: err });
  }
}

/**
 * Every certificate in a PEM file (in file order), or the one certificate of a DER file.
 * An empty result means the file holds no certificate at all. More than `maxCertificates` is
 * JPL_CERT_TOO_MANY, decided before any of them is parsed.
 */
export function parseCertificates(
  bytes: Buffer | string,
  code: JamiErrorCode = 'JPL_CERT_INVALID',
  where = 'certificate file',
  maxCertificates = Infinity,
): JamiCertificate[] {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  if (text.includes('-----BEGIN')) {
    let blocks: Buffer[];
    try {
      blocks = pemBlocks(text, 'CERTIFICATE');
    } catch (err) {
      throw new JamiError(code, `The ${where} is not valid PEM. Provide X.509 certificates in PEM form.`, { cause: err });
    }
    if (blocks.length > maxCertificates) {
      throw new JamiError('JPL_CERT_TOO_MANY', `The ${where} holds ${blocks.length} certificates; at most ${maxCertificates} are accepted. Keep only the plugin certificate and its issuers.`);
    }
    return blocks.map((der, i) => parseCertificate(der, code, `certificate #${i + 1} in the ${where}`));
  }
  if (typeof bytes === 'string' || bytes.length === 0) return [];
  return [parseCertificate(bytes, code, where)];
}

/** Whether `issuer`'s key made `cert`'s signature and the names chain. */
export function isIssuedBy(cert: JamiCertificate, issuer: JamiCertificate): boolean {
  if (!cert.issuerName.equals(issuer.subjectName)) return false;
  try {
    return cert.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** "2024-01-01" (or with the time when it is not midnight UTC), for messages. */
export function formatInstant(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}
