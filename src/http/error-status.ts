/**
 * The one place where error codes become HTTP statuses. Codes not listed here are not the
 * client's fault and answer 500 with a generic message (the cause is logged).
 */
const STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  ADDON_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  TARGET_NOT_FOUND: 404,
  RANGE_INVALID: 400,
  MANIFESTS_DISAGREE: 400,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  ADDON_OWNED_BY_OTHER_KEY: 403,
  ADDON_ID_CASE_CONFLICT: 409,
  VERSION_EXISTS: 409,
  VERSION_WITHDRAWN: 409,
  UPLOAD_TOO_LARGE: 413,
  UPDATE_KEY_MISMATCH: 422,
  PACKAGE_MISSING: 400,
  UPLOAD_INVALID: 400,
  UPDATE_INFO_URL_INVALID: 400,
  RELEASE_NOTES_INVALID: 400,
  JPL_KEY_CHANGED: 409,
  JAMI_NOT_CONFIGURED: 422,
  JPL_REVOCATION_UNAVAILABLE: 422,
  TOKEN_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  KEY_EXISTS: 409,
  KEY_FILE_TOO_LARGE: 413,
  ADMIN_NOT_FOUND: 404,
  ADMIN_EXISTS: 409,
  // The .rcc upload itself is too big; what it inflates to is a 400 like ZIP_ENTRY_TOO_LARGE.
  VPN_RCC_TOO_LARGE: 413,
};

/** Key and account problems a person can fix; KEY_STORE_CORRUPT or a wrong store passphrase are ours. */
const CLIENT_CODES = new Set([
  'KEY_NAME_INVALID', 'KEY_FORMAT_UNKNOWN', 'KEY_FORMAT_UNSUPPORTED', 'KEY_IMPORT_NO_KEY', 'KEY_IMPORT_AMBIGUOUS',
  'KEY_UNSUPPORTED', 'KEY_TOO_WEAK', 'KEY_SIZE_UNSUPPORTED', 'KEY_PASSWORD_REQUIRED', 'KEY_PASSWORD_WRONG',
  'ADMIN_NAME_INVALID', 'ADMIN_PASSWORD_TOO_SHORT',
]);

/** Everything a package can be wrong with is the uploader's to fix: 400. */
const CLIENT_PREFIXES = ['ZIP_', 'XPI_', 'WEBEXT_', 'INSTALL_RDF_', 'ADDON_ID_', 'ADDON_VERSION_', 'APPLICATION_ID_', 'TARGET_PLATFORM_', 'RDF_', 'XML_', 'MANIFEST_', 'JPL_', 'CRX_', 'VPN_'];

export function statusForCode(code: string): number {
  if (code in STATUS) return STATUS[code]!;
  if (CLIENT_CODES.has(code)) return 400;
  if (CLIENT_PREFIXES.some((p) => code.startsWith(p))) return 400;
  return 500;
}
