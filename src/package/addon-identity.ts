import { NAMES } from '../limits.ts';
import { isKnownApplication } from '../names/applications.ts';
import { isSafeSegment } from '../names/safe-segment.ts';
import { compareVersions, isValidAppVersionRange, isValidVersion } from '../version/toolkit-version.ts';
import { PackageError } from './package-errors.ts';

/**
 * An add-on's id and version end up in file names, URLs and update manifests, so both are checked
 * against a closed character set here, once, for every package format.
 */
const MAX_ID_LENGTH = NAMES.maxAddonIdLength;
// The two forms the add-on manager accepts: email-like, or a GUID in braces. No leading dot: the id
// names a directory in the served tree, and dotfiles are never served.
const EMAIL_LIKE_ID = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*@[A-Za-z0-9.-]+$/;
const GUID_ID = /^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$/;

export function isValidAddonId(id: string): boolean {
  return typeof id === 'string' && id.length <= MAX_ID_LENGTH && (EMAIL_LIKE_ID.test(id) || GUID_ID.test(id)) && isSafeSegment(id);
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
  if (!isValidVersion(version) || !isSafeSegment(version, NAMES.maxVersionLength)) {
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

/**
 * A compatibility range, as the upload and the range editor both check it: two valid application
 * versions, the minimum not above the maximum (a client would match no version at all).
 */
export function validateAppRange(minVersion: string, maxVersion: string, appId: string): void {
  validateAppVersion(minVersion, `minVersion for ${appId}`);
  validateAppVersion(maxVersion, `maxVersion for ${appId}`);
  if (compareVersions(minVersion, maxVersion) > 0) {
    throw new PackageError('RANGE_INVALID', `The range for ${appId} has minVersion ${minVersion} above maxVersion ${maxVersion}. Swap or correct them.`);
  }
}

/**
 * A targetApplication id: the same grammar as an add-on id (applications are GUIDs or email-like
 * ids). It names a folder under the add-on's own documents, so anything else is refused outright.
 */
export function validateApplicationId(id: string): string {
  if (!isValidAddonId(id)) {
    throw new PackageError(
      'APPLICATION_ID_INVALID',
      `The targetApplication id ${JSON.stringify(id)} is not an application id. Use the application's GUID in braces (Firefox: {ec8030f7-c20a-464f-9b0e-13a3a9e97384}) or its email-like id.`,
    );
  }
  return id;
}

/** Applications that get documents of their own; other (valid) ids are dropped with a warning. */
export { isKnownApplication };

/**
 * em:targetPlatform: `OS` or `OS_ABI` as the add-on manager compares them with the client's
 * OS_TARGET and XPCOM ABI (`Linux`, `WINNT_x86-msvc`, `Darwin_x86_64-gcc3`).
 */
const TARGET_PLATFORM = /^[A-Za-z0-9]+(?:_[A-Za-z0-9][A-Za-z0-9_-]*)?$/;
export const MAX_TARGET_PLATFORMS = 16;

export function isValidTargetPlatform(platform: string): boolean {
  return typeof platform === 'string' && TARGET_PLATFORM.test(platform) && isSafeSegment(platform, NAMES.maxPlatformLength);
}

export function validateTargetPlatforms(platforms: readonly string[]): string[] {
  if (platforms.length > MAX_TARGET_PLATFORMS) {
    throw new PackageError('TARGET_PLATFORM_INVALID', `install.rdf names ${platforms.length} target platforms; at most ${MAX_TARGET_PLATFORMS} are accepted.`);
  }
  for (const platform of platforms) {
    if (!isValidTargetPlatform(platform)) {
      throw new PackageError(
        'TARGET_PLATFORM_INVALID',
        `The em:targetPlatform ${JSON.stringify(platform)} is not a platform. Use OS or OS_ABI, such as Linux or WINNT_x86-msvc (letters, digits, "_" and "-", at most ${NAMES.maxPlatformLength} characters).`,
      );
    }
  }
  return [...new Set(platforms)];
}
