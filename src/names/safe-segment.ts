/**
 * The one rule for every value that becomes a file or folder name, an object-store key segment or a
 * URL path segment. It is deliberately narrower than what any file system, S3 or URL allows, so a
 * value that passes means the same thing to all of them: no separators, no `..`, no leading dot
 * (dotfiles are never served), no trailing dot (Windows and some S3 tools drop it), no control or
 * non-ASCII characters (no two normalisations of one name), and a bounded length.
 */
const SEGMENT = /^[A-Za-z0-9_{][A-Za-z0-9._@+{}~-]*$/;

/** Longest segment anything may produce: well under NAME_MAX (255 bytes) even with a suffix added. */
export const MAX_SEGMENT_LENGTH = 200;

export function isSafeSegment(value: string, maxLength = MAX_SEGMENT_LENGTH): boolean {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= Math.min(maxLength, MAX_SEGMENT_LENGTH) &&
    SEGMENT.test(value) &&
    !value.includes('..') &&
    !value.endsWith('.')
  );
}

/** A relative path of safe segments joined by `/` (e.g. `<app>/<platform>/update.rdf`). */
export function isSafeRelativePath(value: string): boolean {
  return typeof value === 'string' && value.length <= 1024 && value.split('/').every((s) => isSafeSegment(s));
}
