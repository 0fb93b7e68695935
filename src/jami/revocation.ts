import type { ValidatedChain } from './cert-chain.ts';
import { formatInstant, type JamiCertificate } from './certificate.ts';
import { checkCrl, parseCrl, type JamiCrl } from './crl.ts';
import { JamiError } from './jami-errors.ts';
import { checkOcspResponse, type OcspCheckOptions } from './ocsp-verify.ts';

/**
 * Revocation checking for a validated chain. The domain does no I/O: the app layer injects the two
 * fetchers (src/storage/revocation-fetch.ts has the real ones), tests inject fakes. It runs only
 * after the chain has been validated, so every URL it follows comes from a certificate that a
 * trusted CA signed.
 *
 * For each certificate below the anchor, every available source is asked: configured CRLs, CRLs
 * from the certificate's distribution points (only when no configured CRL already answered), and
 * its OCSP responders. "Revoked" from any source rejects the package; one good answer from a
 * trustworthy source is enough otherwise.
 */
export interface RevocationFetchers {
  /** GETs a CRL (DER or PEM) from a distribution point URL. */
  fetchCrl?: (url: string) => Promise<Buffer>;
  /** POSTs an OCSP request about `cert` (DER) issued by `issuer` (DER) and returns the DER response. */
  checkOcsp?: (cert: Buffer, issuer: Buffer, url: string) => Promise<Buffer>;
}

export type RevocationPolicy = 'reject' | 'accept-with-warning';

export interface RevocationOptions extends RevocationFetchers {
  now: Date;
  /** CRLs the operator configured, DER or PEM. A CRL for another issuer is simply not used. */
  crls?: readonly Buffer[];
  /**
   * What to do when a certificate names revocation sources but none gave a trustworthy answer
   * (responder down, CRL unreachable or out of date): refuse the package (default), or accept
   * it and report a warning.
   */
  ocspUnreachable?: RevocationPolicy;
  ocsp?: OcspCheckOptions;
}

export interface CertificateRevocation {
  /** "CN=..." of the certificate. */
  readonly certificate: string;
  /** good: a source vouched for it; unchecked: it names no source Outpost could ask; unavailable: sources failed (warning given). */
  readonly status: 'good' | 'unchecked' | 'unavailable';
  /** The sources that vouched for it, e.g. "OCSP http://ocsp.example/". */
  readonly checkedBy: readonly string[];
}

export interface RevocationReport {
  readonly certificates: readonly CertificateRevocation[];
  readonly warnings: readonly string[];
}

const isHttp = (url: string): boolean => /^https?:\/\//i.test(url);

function revoked(cert: JamiCertificate, at: Date, source: string): JamiError {
  return new JamiError(
    'JPL_CERT_REVOKED',
    `The certificate ${cert.label} was revoked on ${formatInstant(at)} (according to ${source}). Sign the plugin with a certificate that is not revoked.`,
  );
}

/** "<source>: <why>", without repeating a URL the reason already names or doubling full stops. */
function problem(source: string, url: string, err: unknown): string {
  const why = (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
  return why.includes(url) ? why : `${source}: ${why}`;
}

async function checkOne(
  cert: JamiCertificate,
  issuer: JamiCertificate,
  configured: readonly JamiCrl[],
  options: RevocationOptions,
): Promise<{ checkedBy: string[]; problems: string[] }> {
  const checkedBy: string[] = [];
  const problems: string[] = [];
  const { now } = options;

  // A configured CRL that fails its checks is the operator's error: it surfaces as JPL_CRL_INVALID.
  for (const crl of configured.filter((c) => c.issuerName.equals(cert.issuerName))) {
    const verdict = checkCrl(crl, cert, issuer, now, 'the configured CRL');
    if (verdict.status === 'revoked') throw revoked(cert, verdict.revokedAt, 'the configured CRL');
    if (verdict.status === 'stale') problems.push(verdict.reason);
    else checkedBy.push('configured CRL');
  }

  if (checkedBy.length === 0 && options.fetchCrl) {
    for (const url of cert.crlUrls.filter(isHttp)) {
      const source = `the CRL at ${url}`;
      try {
        const verdict = checkCrl(parseCrl(await options.fetchCrl(url), source), cert, issuer, now, source);
        if (verdict.status === 'revoked') throw revoked(cert, verdict.revokedAt, source);
        if (verdict.status === 'stale') problems.push(verdict.reason);
        else checkedBy.push(`CRL ${url}`);
      } catch (err) {
        if (err instanceof JamiError && err.code === 'JPL_CERT_REVOKED') throw err;
        problems.push(problem(source, url, err));
      }
      if (checkedBy.length > 0) break;
    }
  }

  if (options.checkOcsp) {
    for (const url of cert.ocspUrls.filter(isHttp)) {
      const source = `the OCSP responder at ${url}`;
      try {
        const verdict = checkOcspResponse(await options.checkOcsp(cert.der, issuer.der, url), cert, issuer, now, options.ocsp);
        if (verdict.status === 'revoked') throw revoked(cert, verdict.revokedAt, source);
        if (verdict.status === 'unknown') problems.push(`${source} does not know ${cert.label}`);
        else {
          checkedBy.push(`OCSP ${url}`);
          break;
        }
      } catch (err) {
        if (err instanceof JamiError && err.code === 'JPL_CERT_REVOKED') throw err;
        problems.push(problem(source, url, err));
      }
    }
  }
  return { checkedBy, problems };
}

/** Parses the operator's CRLs once; an unreadable one is a configuration error (JPL_CRL_INVALID). */
export function parseConfiguredCrls(crls: readonly Buffer[] = []): JamiCrl[] {
  return crls.map((bytes, i) => parseCrl(bytes, `configured CRL #${i + 1}`));
}

export async function checkRevocation(chain: ValidatedChain, options: RevocationOptions): Promise<RevocationReport> {
  const configured = parseConfiguredCrls(options.crls);
  const certificates: CertificateRevocation[] = [];
  const warnings: string[] = [];
  // Every certificate below the anchor; the anchor is trusted by configuration, not by status.
  for (let i = 0; i < chain.path.length - 1; i++) {
    const cert = chain.path[i]!;
    const { checkedBy, problems } = await checkOne(cert, chain.path[i + 1]!, configured, options);
    if (checkedBy.length > 0) {
      certificates.push({ certificate: cert.label, status: 'good', checkedBy });
      continue;
    }
    if (problems.length === 0) {
      certificates.push({ certificate: cert.label, status: 'unchecked', checkedBy });
      continue;
    }
    const summary = `The revocation status of ${cert.label} could not be checked: ${problems.join('; ')}.`;
    if ((options.ocspUnreachable ?? 'reject') === 'reject') {
      throw new JamiError('JPL_REVOCATION_UNAVAILABLE', `${summary} Try again when the responder is reachable.`);
    }
    warnings.push(summary);
    certificates.push({ certificate: cert.label, status: 'unavailable', checkedBy });
  }
  return { certificates, warnings };
}
