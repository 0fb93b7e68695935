import { isValidAppVersionRange, isValidVersion } from '../version/toolkit-version.ts';
import { PackageError } from './package-errors.ts';

/**
 * An add-on's id and version end up in file names, URLs and update manifests, so both are checked
 * against a closed character set here, once, for every package format.
 */
const MAX_ID_LENGTH = 80;
// The two forms the add-on manager accepts: email-like, or a GUID in braces. No leading dot: the id
// names a directory in the served tree, and dotfiles are never served.
const EMAIL_LIKE_ID = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*@[A-Za-z0-9.-]+$/;
const GUID_ID = /^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$/;

export function isValidAddonId(id: string): boolean {
  return id.length <= MAX_ID_LENGTH && (EMAIL_LIKE_ID.test(id) || GUID_ID.test(id));
}

export function validateAddonId(id: string): string {
  if (!isValidAddonId(id)) {
    throw new PackageError(
      'ADDON_ID_INVALID',
      `The add-on id "${id}" is not valid. Use an email-like id (name@example.org) or a GUID in braces, at most ${MAX_ID_LENGTH} characters.`,
    );
  }
  return id;
}

export function validateAddonVersion(version: string): string {
  if (!isValidVersion(version)) {
    throw new PackageError(
      'ADDON_VERSION_INVALID',
      `The add-on version "${version}" is not valid. Use a version like 1.2.3 or 1.0b2 (letters, digits, dots, + and -; no "*").`,
    );
  }
  return version;
}

/** minVersion/maxVersion of a target application: like a version, but `*` parts are allowed. */
export function validateAppVersion(version: string, what: string): string {
  if (!isValidAppVersionRange(version)) {
    throw new PackageError(
      'ADDON_VERSION_INVALID',
      `The ${what} "${version}" is not a valid application version. Use a version like 115.0 or 128.*.`,
    );
  }
  return version;
}
