/**
 * The one place where error codes become HTTP statuses. Codes not listed here are not the
 * client's fault and answer 500 with a generic message (the cause is logged).
 */
const STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  ADDON_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  ADDON_OWNED_BY_OTHER_KEY: 403,
  VERSION_EXISTS: 409,
  VERSION_WITHDRAWN: 409,
  UPLOAD_TOO_LARGE: 413,
  UPDATE_KEY_MISMATCH: 422,
  PACKAGE_MISSING: 400,
  UPLOAD_INVALID: 400,
  UPDATE_INFO_URL_INVALID: 400,
};

/** Everything a package can be wrong with is the uploader's to fix: 400. */
const CLIENT_PREFIXES = ['ZIP_', 'XPI_', 'WEBEXT_', 'INSTALL_RDF_', 'ADDON_ID_', 'ADDON_VERSION_', 'RDF_', 'MANIFEST_'];

export function statusForCode(code: string): number {
  if (code in STATUS) return STATUS[code]!;
  if (CLIENT_PREFIXES.some((p) => code.startsWith(p))) return 400;
  return 500;
}
