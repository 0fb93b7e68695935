import { OutpostError } from '../errors.ts';

/**
 * Everything that can be wrong with an uploaded package. Each code names one thing the uploader can
 * fix, so the HTTP layer can map codes to statuses and tests can assert them without the wording.
 */
export type PackageErrorCode =
  // The archive itself
  | 'ZIP_INVALID' // not a ZIP, truncated, corrupt, CRC mismatch, inconsistent headers
  | 'ZIP_TOO_MANY_ENTRIES'
  | 'ZIP_BOMB' // declared sizes or compression ratio over the limits, overlapping or lying entries
  | 'ZIP_UNSAFE_PATH' // `..` segments, absolute paths, backslashes, NUL bytes
  | 'ZIP_ENCRYPTED'
  | 'ZIP_DUPLICATE_ENTRY'
  | 'ZIP_UNSUPPORTED' // compression methods other than store/deflate, multi-disk archives
  | 'ZIP_ENTRY_NOT_FOUND'
  | 'ZIP_ENTRY_TOO_LARGE' // an entry is bigger than the caller's read cap (e.g. a 50 MiB manifest)
  // The add-on's manifest
  | 'XPI_NO_MANIFEST'
  | 'XPI_NO_INSTALL_RDF'
  | 'WEBEXT_INVALID'
  | 'WEBEXT_NO_GECKO_ID'
  | 'INSTALL_RDF_INVALID' // unreadable text, malformed XML, DOCTYPE (the RDF error is the cause)
  | 'INSTALL_RDF_NO_ID'
  | 'INSTALL_RDF_NO_VERSION'
  | 'ADDON_ID_INVALID'
  | 'ADDON_VERSION_INVALID'
  // Editing install.rdf
  | 'UPDATE_KEY_INVALID'
  | 'UPDATE_URL_INVALID';

export class PackageError extends OutpostError<PackageErrorCode> {}
