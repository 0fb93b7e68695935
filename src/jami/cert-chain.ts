import { CERTIFICATES } from '../limits.ts';
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

export type ChainLimits = Pick<typeof CERTIFICATES, 'maxCertificatesPerFile' | 'maxPathLength' | 'maxSignatureChecks'>;

/** Whether `issuer`'s name and key made `cert`. */
type IssuedBy = (cert: JamiCertificate, issuer: JamiCertificate) => boolean;

export interface ChainOptions {
  readonly limits?: ChainLimits;
  /** One signature verification (default isIssuedBy); tests count the calls. */
  readonly checkSignature?: IssuedBy;
}

/**
 * "Did `issuer` sign `cert`?", answered at most once per pair and only for pairs whose names chain,
 * within a budget of signature verifications: certificates that share a name and sign each other
 * cost one check per pair instead of one per path through them.
 */
function issuerCheck(limits: ChainLimits, checkSignature: IssuedBy): IssuedBy {
  const known = new Map<JamiCertificate, Map<JamiCertificate, boolean>>();
  let spent = 0;
  return (cert: JamiCertificate, issuer: JamiCertificate): boolean => {
    if (!cert.issuerName.equals(issuer.subjectName)) return false;
    let answers = known.get(cert);
    if (!answers) known.set(cert, (answers = new Map()));
    let answer = answers.get(issuer);
    if (answer === undefined) {
      if (++spent > limits.maxSignatureChecks) {
        throw new JamiError(
          'JPL_CERT_CHAIN_TOO_COMPLEX',
          `Finding the issuers of the plugin certificate takes more than ${limits.maxSignatureChecks} signature checks. Put only the plugin certificate and its own issuers in the .crt file.`,
        );
      }
      answer = checkSignature(cert, issuer);
      answers.set(issuer, answer);
    }
    return answer;
  };
}

/**
 * Breadth-first from the leaf: each certificate of the file is reached at most once, so the work is
 * bounded by the number of pairs, and the path found is a shortest one. Returns undefined when no
 * anchor can be reached.
 */
function buildPath(
  leaf: JamiCertificate,
  intermediates: readonly JamiCertificate[],
  anchors: readonly JamiCertificate[],
  issuedBy: IssuedBy,
): JamiCertificate[] | undefined {
  const parent = new Map<JamiCertificate, JamiCertificate>();
  const pathTo = (cert: JamiCertificate): JamiCertificate[] => {
    const path = [cert];
    for (let up = parent.get(cert); up; up = parent.get(up)) path.unshift(up);
    return path;
  };
  // Copies of the leaf in the file add nothing, and a copy must never become its own issuer.
  const unreached = new Set(intermediates.filter((c) => !c.der.equals(leaf.der)));
  for (let level = [leaf]; level.length > 0; ) {
    const next: JamiCertificate[] = [];
    for (const current of level) {
      if (anchors.some((a) => a.der.equals(current.der))) return pathTo(current);
      const anchor = anchors.find((a) => issuedBy(current, a));
      if (anchor) return [...pathTo(current), anchor];
      for (const candidate of unreached) {
        if (!issuedBy(current, candidate)) continue;
        unreached.delete(candidate);
        parent.set(candidate, current);
        next.push(candidate);
      }
    }
    level = next;
  }
  return undefined;
}

function untrusted(leaf: JamiCertificate, intermediates: readonly JamiCertificate[], issuedBy: IssuedBy): JamiError {
  // Follow the file's own chain as far as it goes, to name the certificate whose issuer is missing.
  let top = leaf;
  const seen = new Set<JamiCertificate>([leaf]);
  for (let next = intermediates.find((c) => issuedBy(top, c)); next && !seen.has(next); next = intermediates.find((c) => issuedBy(top, c))) {
    seen.add(next);
    top = next;
  }
  const issuer = top.issuerCN !== undefined ? `CN=${top.issuerCN}` : 'its issuer';
  const selfSigned = top.subjectName.equals(top.issuerName) && issuedBy(top, top);
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
 * Order of checks: the file's size (JPL_CERT_TOO_MANY), a path must exist (JPL_CERT_UNTRUSTED)
 * within the limits (JPL_CERT_CHAIN_TOO_COMPLEX), then from the leaf upwards each certificate's
 * dates and each issuer's CA rights.
 */
export function validateChain(
  chain: readonly JamiCertificate[],
  anchors: readonly JamiCertificate[],
  now: Date,
  options: ChainOptions = {},
): ValidatedChain {
  const limits = options.limits ?? CERTIFICATES;
  const [leaf, ...intermediates] = chain;
  if (!leaf) throw new JamiError('JPL_NO_CERTIFICATE', 'The certificate file holds no certificate.');
  if (chain.length > limits.maxCertificatesPerFile) {
    throw new JamiError('JPL_CERT_TOO_MANY', `The certificate file holds ${chain.length} certificates; at most ${limits.maxCertificatesPerFile} are accepted. Keep only the plugin certificate and its issuers.`);
  }
  const issuedBy = issuerCheck(limits, options.checkSignature ?? isIssuedBy);
  const path = buildPath(leaf, intermediates, anchors, issuedBy);
  if (!path) throw untrusted(leaf, intermediates, issuedBy);
  if (path.length > limits.maxPathLength) {
    throw new JamiError(
      'JPL_CERT_CHAIN_TOO_COMPLEX',
      `The shortest path from the plugin certificate ${leaf.label} to a trusted CA has ${path.length} certificates; at most ${limits.maxPathLength} are followed.`,
    );
  }
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
