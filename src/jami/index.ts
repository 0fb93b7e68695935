/**
 * Jami plugin (.jpl) support: the public API for the store and publishing layers.
 *
 *   const pkg = await inspectJpl(bytesOrReader);            // read and describe (no trust decisions)
 *   const result = await verifyJpl(pkg, {                   // signatures, chain, revocation
 *     trustAnchors: [anchorPem], now: new Date(), crls: [], ocspUnreachable: 'reject',
 *     ...revocationFetchers(),                              // from src/storage/revocation-fetch.ts
 *   });
 *   requireSameSigningKey(previousSigningKey, pkg);         // JPL_KEY_CHANGED
 *   jamiVersionWarnings(previousVersion, pkg.manifest.version);
 *   localizeManifest(pkg.manifest, pkg.locales, req.headers['accept-language']);
 *
 * Every failure is a JamiError (or a PackageError ZIP_* code for a broken archive).
 */
export { JamiError, type JamiErrorCode } from './jami-errors.ts';
export { inspectJpl, platformOf, DEFAULT_JPL_LIMITS, type JplImage, type JplPackage, type JplPlatform } from './jpl-inspect.ts';
export { decodeSignatures, type MsgpackLimits } from './jpl-signatures.ts';
export { parseJplManifest, isSafeJplName, isValidJplId, isValidJplVersion, type JplManifest } from './jpl-manifest.ts';
export { chooseLocale, localeChain, localizeManifest, parseAcceptLanguage, resolvePlaceholders, type JplLocales } from './jpl-locale.ts';
export { verifyJpl, verifyJplSignatures, type CertificateSummary, type JplVerification, type JplVerifyOptions } from './jpl-verify.ts';
export { parseTrustAnchors, validateChain, type ChainLimits, type ChainOptions, type ValidatedChain } from './cert-chain.ts';
export { parseCertificate, parseCertificates, type JamiCertificate } from './certificate.ts';
export { checkRevocation, type RevocationFetchers, type RevocationOptions, type RevocationPolicy, type RevocationReport } from './revocation.ts';
export { parseCrl, checkCrl, type JamiCrl } from './crl.ts';
export { buildOcspRequest, parseOcspResponse, ocspCertId, type OcspResponse } from './ocsp.ts';
export { checkOcspResponse, type OcspVerdict } from './ocsp-verify.ts';
export { sameSigningKey, requireSameSigningKey, signingKeyOf, type SigningKeyRef } from './signing-key.ts';
export { jamiVersionWarnings, isNewerForClient, isNewerForDaemon, type JamiVersionWarning } from './jami-version.ts';
export { sniffImageType, type ImageType } from '../package/image-type.ts';
