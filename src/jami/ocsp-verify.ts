import { createHash, type KeyObject } from 'node:crypto';
import { formatInstant, isIssuedBy, OID, type JamiCertificate } from './certificate.ts';
import { JamiError } from './jami-errors.ts';
import { ocspCertId, parseOcspResponse, sameCertId, type BasicOcspResponse } from './ocsp.ts';
import { verifySignedData } from './signed-data.ts';
import { CLOCK_SKEW_MS } from './clock-skew.ts';

/**
 * Decides whether an OCSP response can be believed, and what it says about one certificate.
 * The signer must be the certificate's issuer itself or a responder certificate that the issuer
 * signed for exactly this job (extendedKeyUsage id-kp-OCSPSigning, RFC 6960 4.2.2.2).
 */
export type OcspVerdict =
  | { readonly status: 'good'; readonly thisUpdate: Date; readonly nextUpdate?: Date }
  | { readonly status: 'revoked'; readonly revokedAt: Date; readonly revocationReason?: number }
  | { readonly status: 'unknown' };

export interface OcspCheckOptions {
  /** Tolerated clock difference between Outpost and the responder (default 5 minutes). */
  clockSkewMs?: number;
  /** How old a response without nextUpdate may be (default 1 day). */
  maxAgeWithoutNextUpdateMs?: number;
  /** When the request carried a nonce, the response must echo it. */
  expectedNonce?: Buffer;
}

const DEFAULT_MAX_AGE_MS = 24 * 60 * 60 * 1000;

function invalid(message: string): JamiError {
  return new JamiError('JPL_OCSP_INVALID', message);
}

function isResponder(basic: BasicOcspResponse, cert: JamiCertificate): boolean {
  const id = basic.responderId;
  if ('byName' in id) return id.byName.equals(cert.subjectName);
  return id.byKeyHash.equals(createHash('sha1').update(cert.publicKeyBits).digest());
}

function validAt(cert: JamiCertificate, now: Date): boolean {
  return cert.notBefore.getTime() <= now.getTime() && now.getTime() <= cert.notAfter.getTime();
}

function signerKey(basic: BasicOcspResponse, issuer: JamiCertificate, now: Date): KeyObject {
  if (isResponder(basic, issuer)) return issuer.publicKey;
  const delegate = basic.certs.find((c) => isResponder(basic, c));
  if (!delegate) throw invalid(`The OCSP response is signed by a responder that is neither ${issuer.label} nor a certificate it sent along.`);
  if (!isIssuedBy(delegate, issuer)) throw invalid(`The OCSP responder certificate ${delegate.label} is not issued by ${issuer.label}.`);
  if (!delegate.extendedKeyUsage?.includes(OID.ocspSigning)) {
    throw invalid(`The OCSP responder certificate ${delegate.label} is not authorized for OCSP signing (no id-kp-OCSPSigning).`);
  }
  if (delegate.keyUsage && !delegate.keyUsage.has('digitalSignature')) {
    throw invalid(`The OCSP responder certificate ${delegate.label} may not make signatures (keyUsage lacks digitalSignature).`);
  }
  if (!validAt(delegate, now)) throw invalid(`The OCSP responder certificate ${delegate.label} is not valid now.`);
  return delegate.publicKey;
}

/**
 * Checks a DER OCSPResponse about `cert` (issued by `issuer`) at `now`. Anything that makes the
 * answer untrustworthy (unreadable, unsuccessful, badly signed, stale, about another certificate)
 * is JPL_OCSP_INVALID; a believable answer is returned as a verdict.
 */
export function checkOcspResponse(
  der: Buffer,
  cert: JamiCertificate,
  issuer: JamiCertificate,
  now: Date,
  options: OcspCheckOptions = {},
): OcspVerdict {
  const response = parseOcspResponse(der);
  if (response.status !== 'successful' || !response.basic) throw invalid(`The OCSP responder answered "${response.status}".`);
  const basic = response.basic;
  const key = signerKey(basic, issuer, now);
  if (!verifySignedData(basic.tbs, basic.algorithm, basic.signature, key)) throw invalid('The signature of the OCSP response does not verify.');
  if (options.expectedNonce && !(basic.nonce && basic.nonce.equals(options.expectedNonce))) {
    throw invalid('The OCSP response does not echo the nonce of the request (it may be a replay).');
  }
  const single = basic.responses.find((r) => sameCertId(r.certId, ocspCertId(cert, issuer, r.certId.hash)));
  if (!single) throw invalid(`The OCSP response says nothing about ${cert.label}.`);

  const skew = options.clockSkewMs ?? CLOCK_SKEW_MS;
  const t = now.getTime();
  if (single.thisUpdate.getTime() > t + skew) throw invalid(`The OCSP response is dated in the future (${formatInstant(single.thisUpdate)}).`);
  if (single.nextUpdate && single.nextUpdate.getTime() < t - skew) {
    throw invalid(`The OCSP response is out of date (next update was due ${formatInstant(single.nextUpdate)}).`);
  }
  if (!single.nextUpdate && single.thisUpdate.getTime() < t - (options.maxAgeWithoutNextUpdateMs ?? DEFAULT_MAX_AGE_MS)) {
    throw invalid(`The OCSP response from ${formatInstant(single.thisUpdate)} is too old.`);
  }
  if (single.status === 'revoked') {
    return { status: 'revoked', revokedAt: single.revokedAt!, ...(single.revocationReason !== undefined && { revocationReason: single.revocationReason }) };
  }
  if (single.status === 'unknown') return { status: 'unknown' };
  return { status: 'good', thisUpdate: single.thisUpdate, ...(single.nextUpdate && { nextUpdate: single.nextUpdate }) };
}
