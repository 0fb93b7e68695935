import { formatInstant, isIssuedBy, parseCertificates, type JamiCertificate } from './certificate.ts';
import { JamiError } from './jami-errors.ts';

/**
 * Certificate path validation for plugin certificates: leaf → issuers found in `<id>.crt` → one of
 * the operator's trust anchors. Names must chain and every signature must verify (node:crypto
 * checks RSA and ECDSA issuers alike: Jami's own root is ECDSA P-256); then every certificate must
 * be valid at `now`, and every issuer must be a CA allowed to sign certificates.
 */
export interface ValidatedChain {
  /** Leaf first, ending with the anchor (the anchor appears once even when the file includes it). */
  readonly path: readonly JamiCertificate[];
  readonly anchor: JamiCertificate;
}

/** Issuers deeper than this are not followed: real plugin chains have three certificates. */
const MAX_PATH = 8;

/**
 * Reads the operator's trust anchors: each value is a PEM file (possibly with several
 * certificates) or one DER certificate.
 */
export function parseTrustAnchors(values: readonly (string | Buffer)[]): JamiCertificate[] {
  const anchors = values.flatMap((value) => parseCertificates(value, 'JPL_TRUST_ANCHOR_INVALID', 'trust anchor'));
  if (anchors.length === 0) {
    throw new JamiError('JPL_TRUST_ANCHOR_INVALID', 'No trust anchor is configured. Configure the PEM file of the CA that signs plugin certificates.');
  }
  return anchors;
}

function buildPath(
  path: JamiCertificate[],
  intermediates: readonly JamiCertificate[],
  anchors: readonly JamiCertificate[],
): JamiCertificate[] | undefined {
  const current = path[path.length - 1]!;
  const anchorItself = anchors.find((a) => a.der.equals(current.der));
  if (anchorItself) return path;
  const anchor = anchors.find((a) => isIssuedBy(current, a));
  if (anchor) return [...path, anchor];
  if (path.length >= MAX_PATH) return undefined;
  for (const candidate of intermediates) {
    if (path.some((c) => c.der.equals(candidate.der)) || !isIssuedBy(current, candidate)) continue;
    const found = buildPath([...path, candidate], intermediates, anchors);
    if (found) return found;
  }
  return undefined;
}

function untrusted(leaf: JamiCertificate, intermediates: readonly JamiCertificate[]): JamiError {
  // Follow the file's own chain as far as it goes, to name the certificate whose issuer is missing.
  let top = leaf;
  const seen = new Set<JamiCertificate>([leaf]);
  for (let next = intermediates.find((c) => isIssuedBy(top, c)); next && !seen.has(next); next = intermediates.find((c) => isIssuedBy(top, c))) {
    seen.add(next);
    top = next;
  }
  const issuer = top.issuerCN !== undefined ? `CN=${top.issuerCN}` : 'its issuer';
  const selfSigned = top.subjectName.equals(top.issuerName) && isIssuedBy(top, top);
  const impostor = intermediates.some((c) => c !== top && c.subjectName.equals(top.issuerName));
  const why = selfSigned
    ? `${top.label} is a self-signed CA that is not a configured trust anchor`
    : impostor
      ? `the certificate named ${issuer} in the file did not sign ${top.label}`
      : `${top.label} is issued by ${issuer}, which is neither a configured trust anchor nor signed by one`;
  return new JamiError(
    'JPL_CERT_UNTRUSTED',
    `The plugin certificate ${leaf.label} does not lead to a trusted CA: ${why}. Sign the plugin with a certificate from the trusted chain and put the whole chain (plugin certificate first) in the .crt file.`,
  );
}

function checkValidity(cert: JamiCertificate, now: Date): void {
  if (now.getTime() < cert.notBefore.getTime()) {
    throw new JamiError(
      'JPL_CERT_NOT_YET_VALID',
      `The certificate ${cert.label} is not valid before ${formatInstant(cert.notBefore)}. Wait until then or use a certificate that is valid now.`,
    );
  }
  if (now.getTime() > cert.notAfter.getTime()) {
    throw new JamiError(
      'JPL_CERT_EXPIRED',
      `The certificate ${cert.label} expired on ${formatInstant(cert.notAfter)}. Renew it and sign the plugin again.`,
    );
  }
}

function checkIssuer(issuer: JamiCertificate, intermediatesBelow: number): void {
  if (!issuer.isCA) {
    throw new JamiError('JPL_CERT_NOT_CA', `The certificate ${issuer.label} signed another certificate but is not a CA (basicConstraints has no CA:TRUE). Use a CA certificate to sign.`);
  }
  if (issuer.keyUsage && !issuer.keyUsage.has('keyCertSign')) {
    throw new JamiError('JPL_CERT_NOT_CA', `The certificate ${issuer.label} is not allowed to sign certificates (its keyUsage lacks keyCertSign).`);
  }
  if (issuer.pathLength !== undefined && intermediatesBelow > issuer.pathLength) {
    throw new JamiError(
      'JPL_CERT_NOT_CA',
      `The CA ${issuer.label} allows at most ${issuer.pathLength} intermediate CA(s) below it, but the chain has ${intermediatesBelow}.`,
    );
  }
}

/**
 * Validates `chain` (leaf first, as in `<id>.crt`) against `anchors` at the instant `now`.
 * Order of checks: a path must exist (JPL_CERT_UNTRUSTED), then from the leaf upwards each
 * certificate's dates and each issuer's CA rights.
 */
export function validateChain(chain: readonly JamiCertificate[], anchors: readonly JamiCertificate[], now: Date): ValidatedChain {
  const [leaf, ...intermediates] = chain;
  if (!leaf) throw new JamiError('JPL_NO_CERTIFICATE', 'The certificate file holds no certificate.');
  const path = buildPath([leaf], intermediates, anchors);
  if (!path) throw untrusted(leaf, intermediates);
  let caBelow = 0;
  path.forEach((cert, i) => {
    checkValidity(cert, now);
    if (i === 0) return;
    checkIssuer(cert, caBelow);
    // Self-issued certificates (key rollover) do not count towards a path length (RFC 5280 6.1.4).
    if (!cert.subjectName.equals(cert.issuerName)) caBelow++;
  });
  return { path, anchor: path[path.length - 1]! };
}
