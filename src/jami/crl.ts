import type { JamiCertificate } from './certificate.ts';
import { formatInstant } from './certificate.ts';
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
  TAG,
  unsignedInteger,
  type DerNode,
} from './der.ts';
import { JamiError } from './jami-errors.ts';
import { verifySignedData } from './signed-data.ts';
import { CLOCK_SKEW_MS } from './clock-skew.ts';

/** A parsed X.509 CRL (RFC 5280 section 5); only complete, direct CRLs are supported. */
export interface JamiCrl {
  readonly issuerName: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** Revoked serial numbers (hex of the unsigned value) with their revocation dates. */
  readonly revoked: ReadonlyMap<string, Date>;
  readonly tbs: Buffer;
  readonly algorithm: DerNode;
  readonly signature: Buffer;
}

/**
 * CRL extensions Outpost may meet. Any other critical one (a delta CRL indicator, say) means the
 * list is not a complete CRL and cannot prove a certificate good.
 */
const UNDERSTOOD_CRITICAL = new Set(['2.5.29.20', '2.5.29.35']); // cRLNumber, authorityKeyIdentifier

function parse(der: Buffer): JamiCrl {
  const [tbs, algorithm, signature] = sequenceOf(parseDer(der), 'certificateList');
  const fields = sequenceOf(tbs, 'tbsCertList');
  if (fields[0]?.tag === TAG.INTEGER) fields.shift(); // version
  const [, issuer, thisUpdate, ...rest] = fields;
  let nextUpdate: Date | undefined;
  if (rest[0] && (rest[0].tag === TAG.UTC_TIME || rest[0].tag === TAG.GENERALIZED_TIME)) nextUpdate = decodeTime(rest.shift(), 'nextUpdate');
  const revoked = new Map<string, Date>();
  if (rest[0]?.tag === TAG.SEQUENCE) {
    for (const entry of sequenceOf(rest.shift(), 'revokedCertificates')) {
      const [serial, date] = sequenceOf(entry, 'revoked certificate');
      revoked.set(unsignedInteger(serial, 'revoked serial').toString('hex'), decodeTime(date, 'revocationDate'));
    }
  }
  const extensions = rest.find((n) => n.tag === context(0));
  for (const ext of extensions ? sequenceOf(explicit(extensions, 'crlExtensions'), 'crlExtensions') : []) {
    const parts = children(ext);
    const oid = decodeOid(parts[0], 'CRL extension');
    const critical = parts[1]?.tag === TAG.BOOLEAN && parts[1].content[0] !== 0;
    if (critical && !UNDERSTOOD_CRITICAL.has(oid)) throw new DerError(`it has a critical extension (${oid}) that Outpost does not support`);
  }
  const bits = bitString(signature, 'CRL signature');
  return {
    issuerName: expectTag(issuer, TAG.SEQUENCE, 'CRL issuer').raw,
    thisUpdate: decodeTime(thisUpdate, 'thisUpdate'),
    nextUpdate,
    revoked,
    tbs: tbs!.raw,
    algorithm: algorithm!,
    signature: bits.bytes,
  };
}

/** Parses a CRL in DER or PEM ("X509 CRL") form. */
export function parseCrl(bytes: Buffer, source = 'the CRL'): JamiCrl {
  try {
    const der = bytes.includes('-----BEGIN') ? pemBlocks(bytes.toString('latin1'), 'X509 CRL')[0] : bytes;
    if (!der) throw new DerError('no "X509 CRL" PEM block');
    return parse(der);
  } catch (err) {
    const why = err instanceof DerError ? `: ${err.message}` : '';
    throw new JamiError('JPL_CRL_INVALID', `${source} cannot be read${why}. Provide a DER or PEM X.509 CRL.`, { cause: err });
  }
}

export type CrlVerdict = { status: 'good' } | { status: 'revoked'; revokedAt: Date } | { status: 'stale'; reason: string };

/**
 * What `crl` says about `cert`, after checking that `issuer` signed it. A CRL with the issuer's
 * name but someone else's signature is an error, never "good": it is either forged or misconfigured.
 * The issuer's keyUsage must allow cRLSign when the extension is present.
 */
export function checkCrl(crl: JamiCrl, cert: JamiCertificate, issuer: JamiCertificate, now: Date, source: string): CrlVerdict {
  if (!crl.issuerName.equals(cert.issuerName)) {
    throw new JamiError('JPL_CRL_INVALID', `${source} is not from the issuer of ${cert.label}.`);
  }
  if (issuer.keyUsage && !issuer.keyUsage.has('cRLSign')) {
    throw new JamiError('JPL_CRL_INVALID', `${source} comes from ${issuer.label}, which may not sign CRLs (keyUsage lacks cRLSign).`);
  }
  if (!verifySignedData(crl.tbs, crl.algorithm, crl.signature, issuer.publicKey)) {
    throw new JamiError('JPL_CRL_INVALID', `${source} claims to be from ${issuer.label} but its signature does not verify. Use the CRL that CA published.`);
  }
  const revokedAt = crl.revoked.get(cert.serial.toString('hex'));
  if (revokedAt) return { status: 'revoked', revokedAt };
  if (crl.thisUpdate.getTime() > now.getTime() + CLOCK_SKEW_MS) {
    return { status: 'stale', reason: `${source} is dated in the future (${formatInstant(crl.thisUpdate)})` };
  }
  if (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime() - CLOCK_SKEW_MS) {
    return { status: 'stale', reason: `${source} is out of date (next update was due ${formatInstant(crl.nextUpdate)})` };
  }
  return { status: 'good' };
}
