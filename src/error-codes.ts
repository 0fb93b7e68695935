/**
 * Every error code Outpost has, once, with the HTTP status it answers. OutpostError only accepts a
 * code from this table, so a new or misspelt code does not compile until it has a status here.
 * A 4xx code's message goes to the client, who can fix it; a 5xx code is the operator's or ours:
 * the client gets a generic 500 and the log gets the code and its cause (src/http/error-handler.ts).
 */
export const ERROR_STATUS = {
  // HTTP (src/http/api-error.ts). FORBIDDEN and BAD_REQUEST name framework errors (body-parser,
  // static files) in the error handler, which keeps the framework's own 4xx status for them.
  NOT_FOUND: 404,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  FORBIDDEN: 403,
  BAD_REQUEST: 400,
  PACKAGE_MISSING: 400,
  UPLOAD_INVALID: 400,
  // The body form's ?name= (src/http/raw-upload.ts): missing, or not a plain file name.
  UPLOAD_NAME_INVALID: 400,
  UPLOAD_TOO_LARGE: 413,
  INTERNAL: 500,

  // Publishing and editing the catalog (src/app/publish-errors.ts, for every package kind)
  ADDON_OWNED_BY_OTHER_KEY: 403,
  ADDON_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  TARGET_NOT_FOUND: 404,
  VISIBILITY_INVALID: 400,
  ADDON_ID_CASE_CONFLICT: 409,
  VERSION_EXISTS: 409,
  VERSION_WITHDRAWN: 409,
  UPDATE_KEY_MISMATCH: 422,
  UPDATE_INFO_URL_INVALID: 400,
  RANGE_INVALID: 400,
  RELEASE_NOTES_INVALID: 400,
  // The server takes no Jami plugins at all; the uploader learns that rather than getting a 500.
  JAMI_NOT_CONFIGURED: 422,

  // Collections (src/app/collections.ts): an admin's edits
  COLLECTION_NAME_INVALID: 400,
  COLLECTION_EXISTS: 409,
  COLLECTION_NOT_FOUND: 404,
  COLLECTION_INVALID: 400,

  // Feeds (src/app/feeds.ts): secret URLs granting one add-on or collection
  FEED_INVALID: 400,
  FEED_NOT_FOUND: 404,
  FEED_FORBIDDEN: 403,

  // The package: everything wrong with it is the uploader's to fix (src/package/package-errors.ts)
  ZIP_INVALID: 400,
  ZIP_TOO_MANY_ENTRIES: 400,
  ZIP_BOMB: 400,
  ZIP_UNSAFE_PATH: 400,
  ZIP_ENCRYPTED: 400,
  ZIP_DUPLICATE_ENTRY: 400,
  ZIP_UNSUPPORTED: 400,
  ZIP_ENTRY_NOT_FOUND: 400,
  ZIP_ENTRY_TOO_LARGE: 400,
  ZIP_HEADER_MISMATCH: 400,
  ZIP_NAME_CASE_CONFLICT: 400,
  ZIP_UNICODE_PATH_MISMATCH: 400,
  ZIP_NAME_TOO_LONG: 400,
  XPI_NO_MANIFEST: 400,
  XPI_NO_INSTALL_RDF: 400,
  WEBEXT_INVALID: 400,
  WEBEXT_NO_GECKO_ID: 400,
  INSTALL_RDF_INVALID: 400,
  INSTALL_RDF_NO_ID: 400,
  INSTALL_RDF_NO_VERSION: 400,
  ADDON_ID_INVALID: 400,
  ADDON_VERSION_INVALID: 400,
  APPLICATION_ID_INVALID: 400,
  TARGET_PLATFORM_INVALID: 400,
  MANIFESTS_DISAGREE: 400,
  XML_INVALID_CHARACTER: 400,
  XML_TOO_COMPLEX: 400,
  // Only the CLI's install-key and chromium-url commands edit manifests; no route reaches these.
  UPDATE_KEY_INVALID: 500,
  UPDATE_URL_INVALID: 500,

  // RDF/XML (src/rdf/rdf-errors.ts): parsing is about the uploaded install.rdf
  RDF_DOCTYPE_FORBIDDEN: 400,
  RDF_MALFORMED: 400,
  RDF_INVALID_CHARACTER: 400,
  RDF_TOO_COMPLEX: 400,
  RDF_NOT_RDF: 400,
  RDF_MULTIPLE_REFERENCES: 400,
  RDF_UNSERIALIZABLE: 400,
  // Writing a document the server built: inspection let through what it cannot write, our bug.
  RDF_UNWRITABLE: 500,

  // update.rdf / update.json values (src/manifest/update-rdf.ts)
  MANIFEST_HASH_INVALID: 400,
  MANIFEST_VALUE_INVALID: 400,

  // McCoy signatures (src/signing/mccoy-signature.ts); only `outpost verify` reads them
  SIGNATURE_MALFORMED: 500,
  UPDATE_KEY_MALFORMED: 500,

  // Key files an admin imports or creates (src/signing/key-errors.ts): the admin can fix them
  KEY_FORMAT_UNKNOWN: 400,
  KEY_FORMAT_UNSUPPORTED: 400,
  KEY_FILE_TOO_LARGE: 413,
  KEY_IMPORT_NO_KEY: 400,
  KEY_IMPORT_AMBIGUOUS: 400,
  KEY_UNSUPPORTED: 400,
  KEY_TOO_WEAK: 400,
  KEY_SIZE_UNSUPPORTED: 400,
  KEY_PASSWORD_REQUIRED: 400,
  KEY_PASSWORD_WRONG: 400,
  // The key store's passphrase is the operator's configuration, not the uploader's
  KEY_PASSPHRASE_REQUIRED: 500,
  KEY_PASSPHRASE_WRONG: 500,
  KEY_DIGEST_UNSUPPORTED: 500,

  // The key store (src/storage/key-store.ts, src/app/key-access.ts)
  KEY_NAME_INVALID: 400,
  KEY_NOT_FOUND: 404,
  KEY_EXISTS: 409,
  KEY_STORE_CORRUPT: 500,
  KEY_PASSPHRASE_FILE_MISSING: 500,
  KEY_PASSPHRASE_MISSING: 500,

  // Jami plugins (src/jami/jami-errors.ts)
  JPL_NO_MANIFEST: 400,
  JPL_MANIFEST_INVALID: 400,
  JPL_ID_INVALID: 400,
  JPL_VERSION_INVALID: 400,
  JPL_ABI_INVALID: 400,
  JPL_LOCALE_INVALID: 400,
  JPL_NO_SIGNATURES: 400,
  JPL_SIGNATURES_INVALID: 400,
  JPL_SIGNATURES_SIG_INVALID: 400,
  JPL_SIGNED_ENTRY_MISSING: 400,
  JPL_SIGNATURE_INVALID: 400,
  JPL_UNSIGNED_ENTRY: 400,
  JPL_NO_CERTIFICATE: 400,
  JPL_CERT_INVALID: 400,
  JPL_CERT_TOO_MANY: 400,
  JPL_CERT_CHAIN_TOO_COMPLEX: 400,
  JPL_KEY_NOT_RSA: 400,
  JPL_KEY_TOO_LARGE: 400,
  JPL_CERT_EXPIRED: 400,
  JPL_CERT_NOT_YET_VALID: 400,
  JPL_CERT_UNTRUSTED: 400,
  JPL_CERT_NOT_CA: 400,
  JPL_CERT_REVOKED: 400,
  // Fetched CRL and OCSP failures become this; the uploader may retry once the responder is back.
  // The revocation responder or CRL server is unreachable: the server's situation, worth a retry.
  JPL_REVOCATION_UNAVAILABLE: 503,
  JPL_OCSP_INVALID: 400,
  JPL_KEY_CHANGED: 409,
  // Both come from the operator's OUTPOST_JAMI_TRUST_ANCHORS / OUTPOST_JAMI_CRLS, never the upload.
  JPL_TRUST_ANCHOR_INVALID: 500,
  JPL_CRL_INVALID: 500,

  // Chromium extensions (src/crx/crx-errors.ts)
  CRX_INVALID: 400,
  CRX_VERSION_UNSUPPORTED: 400,
  CRX_HEADER_TOO_LARGE: 400,
  CRX_HEADER_INVALID: 400,
  CRX_TOO_MANY_PROOFS: 400,
  CRX_KEY_UNSUPPORTED: 400,
  CRX_PROOF_INVALID: 400,
  CRX_NO_DEVELOPER_PROOF: 400,
  CRX_ID_MISMATCH: 400,
  // The token's publisher key is too small to pack with: nothing in the upload to fix (an admin's key, or a signed CRX).
  CRX_SIGNING_KEY_UNSUPPORTED: 422,
  CRX_MANIFEST_INVALID: 400,
  CRX_MANIFEST_VERSION_INVALID: 400,
  CRX_MANIFEST_KEY_MISMATCH: 400,
  CRX_UPDATE_QUERY_INVALID: 400,
  CRX_UPDATE_QUERY_TOO_LARGE: 400,

  // Mozilla VPN add-ons (src/vpn/vpn-errors.ts)
  VPN_RCC_ZSTD_UNSUPPORTED: 500, // our bug: a server path that did not decode in the worker
  VPN_RCC_INVALID: 400,
  VPN_CHANNEL_UNKNOWN: 400,
  VPN_CHANNEL_FORBIDDEN: 403,
  VPN_RCC_UNSUPPORTED_VERSION: 400,
  // The .rcc upload itself is too big; what it inflates to is a 400 like ZIP_ENTRY_TOO_LARGE.
  VPN_RCC_TOO_LARGE: 413,
  VPN_RCC_TOO_COMPLEX: 400,
  VPN_RCC_ENTRY_TOO_LARGE: 400,
  VPN_RCC_BUSY: 503,
  VPN_MANIFEST_MISSING: 400,
  VPN_MANIFEST_INVALID: 400,
  VPN_ID_INVALID: 400,
  VPN_ID_MISMATCH: 400,
  VPN_INDEX_INVALID: 400,
  VPN_INDEX_SIGNATURE_INVALID: 400,
  VPN_INDEX_EXPIRED: 400,
  VPN_INDEX_ROLLBACK: 400,
  VPN_KEY_TOO_SMALL: 400,
  VPN_KEY_UNSUPPORTED: 400,

  // Tokens, admins and the data folder (src/storage/)
  TOKEN_NOT_FOUND: 404,
  ADMIN_NOT_FOUND: 404,
  ADMIN_EXISTS: 409,
  ADMIN_NAME_INVALID: 400,
  ADMIN_PASSWORD_TOO_SHORT: 400,
  TOKEN_STORE_CORRUPT: 500,
  STORAGE_PATH_REFUSED: 500,
  // The object-store port (src/storage/objects/): folder or S3 bucket.
  STORAGE_KEY_INVALID: 500,
  STORAGE_PRECONDITION_FAILED: 409,
  STORAGE_UNAVAILABLE: 503,
  STORAGE_BUSY: 503,
  STORAGE_LEASE_LOST: 503,
  // `outpost storage copy` (src/app/storage-copy.ts)
  STORAGE_LOCATION_INVALID: 400,
  STORAGE_TARGET_NOT_EMPTY: 409,
  STORAGE_VERIFY_FAILED: 500,
  DATA_FOLDER_IN_USE: 500,
  LOCK_TIMEOUT: 500,
  CONFIG_INVALID: 500,

  // The `outpost` command's own failures (src/cli/). They never reach HTTP (the CLI prints the code
  // and exits); the status only says whose the problem is: 4xx the user's input, 502/504 the
  // remote server or network, 500 the local setup.
  CLI_USAGE: 400,
  CLI_BAD_OPTION: 400,
  CLI_FILE_NOT_FOUND: 400,
  CLI_FILE_UNREADABLE: 400,
  CLI_NO_KEYS_FOLDER: 500,
  CLI_NO_DATA_FOLDER: 500,
  CLI_AUDIT_FAILED: 500,
  API_UNREACHABLE: 502,
  API_TLS_FAILED: 502,
  API_TIMEOUT: 504,
  UPLOAD_BAD_SERVER_URL: 400,
  UPLOAD_FILE_UNREADABLE: 400,
  UPLOAD_FILE_CHANGED: 409,
  UPLOAD_CONNECTION_FAILED: 502,
  UPLOAD_TLS_FAILED: 502,
  UPLOAD_TIMEOUT: 504,
  FETCH_URL_REFUSED: 400,
  FETCH_FAILED: 502,
  FETCH_TIMEOUT: 504,
  FETCH_TOO_LARGE: 502,
  FETCH_STATUS: 502,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;
