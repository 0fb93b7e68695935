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
  | 'ZIP_HEADER_MISMATCH' // an entry's local header disagrees with the central directory
  | 'ZIP_NAME_CASE_CONFLICT' // two names that differ only in case (one file on Windows and macOS)
  | 'ZIP_UNICODE_PATH_MISMATCH' // an Info-ZIP Unicode Path field naming another path
  | 'ZIP_NAME_TOO_LONG' // longer than Firefox's ZIP reader or the Jami daemon accept
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
  | 'APPLICATION_ID_INVALID' // a targetApplication id that is neither a GUID nor an email-like id
  | 'TARGET_PLATFORM_INVALID' // em:targetPlatform outside OS[_ABI], or too many of them
  | 'RANGE_INVALID' // minVersion above maxVersion (the range editor refuses the same)
  | 'MANIFESTS_DISAGREE' // install.rdf and manifest.json name different ids or versions
  | 'XML_INVALID_CHARACTER' // a character XML 1.0 forbids, or a second byte-order mark
  | 'XML_TOO_COMPLEX' // deeper, wider or larger than the XML limits
  // Editing a manifest: install.rdf (install-key), Chromium's manifest.json (chromium-url)
  | 'UPDATE_KEY_INVALID'
  | 'UPDATE_URL_INVALID';

export class PackageError extends OutpostError<PackageErrorCode> {}
