import { parseTrustAnchors, validateChain, type ChainOptions } from './cert-chain.ts';
import { formatInstant, type JamiCertificate } from './certificate.ts';
import { JamiError } from './jami-errors.ts';
import { SIGNATURES_ENTRY, SIGNATURES_SIG_ENTRY, type JplPackage } from './jpl-inspect.ts';
import { checkRevocation, type CertificateRevocation, type RevocationOptions } from './revocation.ts';
import { rsaSha512Verifies } from './rsa-sha512.ts';

/**
 * The checks jami-daemon makes before installing a plugin, made at upload time so that Outpost
 * never serves a package a client would refuse, plus the revocation checks the daemon's
 * documentation promises.
 */
export interface JplVerifyOptions extends Omit<RevocationOptions, 'now'> {
  /** PEM (or DER) certificates of the CAs the operator trusts, as file contents. */
  readonly trustAnchors: readonly (string | Buffer)[];
  /** The instant certificates, CRLs and OCSP answers are judged at. */
  readonly now: Date;
  /** Limits and instrumentation of certificate path building (defaults from CERTIFICATES). */
  readonly chain?: ChainOptions;
}

export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  /** Hex serial number. */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface JplVerification {
  readonly id: string;
  readonly version: string;
  /** What clients show as the author: the issuer common name of the plugin certificate. */
  readonly author: string;
  /** The plugin certificate's own common name, when it has one. */
  readonly subject: string | undefined;
  /** DER SubjectPublicKeyInfo of the plugin key; store it to check later versions (sameSigningKey). */
  readonly signingKey: Buffer;
  /** Plugin certificate first, ending with the trust anchor. */
  readonly chain: readonly CertificateSummary[];
  readonly revocation: readonly CertificateRevocation[];
  readonly warnings: readonly string[];
}

/** Names that are never listed in `signatures`: the map, its signature and the certificate. */
export function unsignedEntryNames(pkg: JplPackage): ReadonlySet<string> {
  return new Set([SIGNATURES_ENTRY, SIGNATURES_SIG_ENTRY, pkg.certificateEntry]);
}

/**
 * The daemon's signature checks, in its order. Returns the plugin (leaf) certificate; says nothing
 * yet about whether that certificate is trusted (verifyJpl does).
 */
export function verifyJplSignatures(pkg: JplPackage): JamiCertificate {
  if (!pkg.signaturesBytes || !pkg.signaturesSig || !pkg.signatures) {
    const missing = pkg.signaturesBytes ? SIGNATURES_SIG_ENTRY : SIGNATURES_ENTRY;
    throw new JamiError('JPL_NO_SIGNATURES', `The package has no "${missing}" file: it is not signed. Sign it with the plugin certificate's key.`);
  }
  const leaf = pkg.certificates[0];
  if (!leaf) {
    throw new JamiError('JPL_NO_CERTIFICATE', `The package has no certificate: add ${pkg.certificateEntry} with the plugin certificate and its issuers (PEM, plugin certificate first).`);
  }
  if (leaf.publicKey.asymmetricKeyType !== 'rsa') {
    const type = (leaf.publicKey.asymmetricKeyType ?? 'unknown').toUpperCase();
    throw new JamiError('JPL_KEY_NOT_RSA', `The plugin certificate ${leaf.label} has a key of type ${type}; Jami verifies plugins with RSA keys only. Issue the plugin certificate for an RSA key.`);
  }
  if (!rsaSha512Verifies(pkg.signaturesBytes, pkg.signaturesSig, leaf.publicKey)) {
    throw new JamiError('JPL_SIGNATURES_SIG_INVALID', `"${SIGNATURES_SIG_ENTRY}" does not verify with the key of ${leaf.label}. Sign the package again with that certificate's key.`);
  }
  const present = new Set(pkg.entries);
  for (const name of pkg.signatures.keys()) {
    if (!present.has(name)) {
      throw new JamiError('JPL_SIGNED_ENTRY_MISSING', `${name} is listed in signatures but is not in the package. Sign the package again from the final files.`);
    }
    // Hashed while inspectJpl streamed the entry; a package described without results fails closed.
    if (pkg.entrySignatures?.get(name) !== true) {
      throw new JamiError('JPL_SIGNATURE_INVALID', `the signature of ${name} does not verify. The file changed after signing: sign the package again.`);
    }
  }
  const exempt = unsignedEntryNames(pkg);
  for (const name of pkg.entries) {
    if (!exempt.has(name) && !pkg.signatures.has(name)) {
      throw new JamiError('JPL_UNSIGNED_ENTRY', `${name} is not listed in signatures. Remove it or sign the package again with it.`);
    }
  }
  return leaf;
}

function summarize(cert: JamiCertificate): CertificateSummary {
  return {
    subject: cert.x509.subject.replace(/\n/g, ', '),
    issuer: cert.x509.issuer.replace(/\n/g, ', '),
    serial: cert.serial.toString('hex'),
    notBefore: formatInstant(cert.notBefore),
    notAfter: formatInstant(cert.notAfter),
  };
}

/**
 * Verifies a package completely: signatures (JPL_*SIGNATURE*, JPL_UNSIGNED_ENTRY), then the chain
 * to a trust anchor (JPL_CERT_*), then revocation (JPL_CERT_REVOKED, JPL_REVOCATION_UNAVAILABLE).
 * Resolves with what the store shows and stores; rejects with a JamiError.
 */
export async function verifyJpl(pkg: JplPackage, options: JplVerifyOptions): Promise<JplVerification> {
  const leaf = verifyJplSignatures(pkg);
  const chain = validateChain(pkg.certificates, parseTrustAnchors(options.trustAnchors), options.now, options.chain);
  const revocation = await checkRevocation(chain, options);
  return {
    id: pkg.manifest.id,
    version: pkg.manifest.version,
    author: leaf.issuerCN ?? leaf.x509.issuer.replace(/\n/g, ', '),
    subject: leaf.subjectCN,
    signingKey: leaf.spki,
    chain: chain.path.map(summarize),
    revocation: revocation.certificates,
    warnings: revocation.warnings,
  };
}
