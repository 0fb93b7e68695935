import { OutpostError } from '../errors.ts';

/**
 * Everything that can be wrong with an uploaded Jami plugin (.jpl), its certificates or their
 * revocation status. Archive problems (unsafe paths, bombs, corrupt entries) keep the ZIP_* codes
 * of PackageError, since they come from the same ZIP reader as XPI uploads.
 *
 * The daemon's own result codes map onto these: 300 "signature verification failed" is the
 * JPL_SIGNATURE and JPL_*SIGNATURES* family, 400 "certificate verification failed" the JPL_CERT_*
 * family, 500 "invalid" the manifest family.
 */
export type JamiErrorCode =
  // manifest.json and the package layout
  | 'JPL_NO_MANIFEST'
  | 'JPL_MANIFEST_INVALID' // not JSON, not an object, a field of the wrong type, an unsafe icon path
  | 'JPL_ID_INVALID'
  | 'JPL_VERSION_INVALID'
  | 'JPL_ABI_INVALID' // a lib/<ABI>/ folder whose name cannot be used in a URL
  | 'JPL_LOCALE_INVALID' // data/locale/<id>_<lang>.json is not a JSON object
  // The signatures map and its own signature
  | 'JPL_NO_SIGNATURES' // `signatures` or `signatures.sig` is missing
  | 'JPL_SIGNATURES_INVALID' // `signatures` is not a msgpack map of entry name -> bytes
  | 'JPL_SIGNATURES_SIG_INVALID' // `signatures.sig` does not verify with the plugin key
  | 'JPL_SIGNED_ENTRY_MISSING' // the map lists an entry the archive does not have
  | 'JPL_SIGNATURE_INVALID' // an entry's signature does not verify
  | 'JPL_UNSIGNED_ENTRY' // an archive entry is not listed in the map
  // The certificate chain
  | 'JPL_NO_CERTIFICATE'
  | 'JPL_CERT_INVALID' // unreadable PEM/DER, or a critical extension Outpost does not understand
  | 'JPL_CERT_TOO_MANY' // `<id>.crt` holds more certificates (or bytes) than any real chain needs
  | 'JPL_CERT_CHAIN_TOO_COMPLEX' // the path is too long, or finding it would take too many signature checks
  | 'JPL_KEY_NOT_RSA'
  | 'JPL_KEY_TOO_LARGE' // a plugin key over CERTIFICATES.maxRsaBits (each entry costs one check)
  | 'JPL_CERT_EXPIRED'
  | 'JPL_CERT_NOT_YET_VALID'
  | 'JPL_CERT_UNTRUSTED' // no chain from the plugin certificate to a configured anchor
  | 'JPL_CERT_NOT_CA' // an issuer without the CA flag, keyCertSign usage, or beyond its path length
  | 'JPL_TRUST_ANCHOR_INVALID' // an operator-configured anchor cannot be read
  // Revocation
  | 'JPL_CERT_REVOKED'
  | 'JPL_REVOCATION_UNAVAILABLE' // no trustworthy CRL or OCSP answer could be obtained
  | 'JPL_CRL_INVALID' // unreadable, not signed by the certificate's issuer, or uses unsupported features
  | 'JPL_OCSP_INVALID' // an OCSP response that cannot be parsed
  // Updates
  | 'JPL_KEY_CHANGED';

export class JamiError extends OutpostError<JamiErrorCode> {}
