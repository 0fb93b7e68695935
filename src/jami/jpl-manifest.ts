import { NAMES } from '../limits.ts';
import { JamiError } from './jami-errors.ts';

export { chooseLocale, localizeManifest, resolvePlaceholders, type JplLocales } from './jpl-locale.ts';

/**
 * manifest.json of a Jami plugin. There is no author field: clients show the issuer CN of the
 * plugin certificate instead (see verifyJpl). Strings may hold `{{key}}` placeholders that are
 * filled per request from the locale files (resolvePlaceholders).
 */
export interface JplManifest {
  /** Defaults to `name`. Used in file names (`<id>.crt`, `lib<id>.so`) and store URLs. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  /** Relative to `data/` (default `icon.png`). */
  readonly iconPath: string;
  /** Relative to `data/` (default `background.jpg`). */
  readonly backgroundPath: string;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;

/**
 * Plugin ids and ABI folder names become folder names, file names (`<id>-<version>.jpl`) and URL
 * segments: a letter or digit first (no hidden or option-like names), then letters, digits, ".",
 * "_" and "-", with no ".." anywhere and no trailing "." (Windows drops it, making two names one).
 */
export function isSafeJplName(value: string, maxLength: number): boolean {
  return value.length <= maxLength && NAME_PATTERN.test(value) && !value.includes('..') && !value.endsWith('.');
}

/** Whether `id` can be used as a file name and URL segment without escaping. */
export function isValidJplId(id: string): boolean {
  return isSafeJplName(id, NAMES.maxAddonIdLength);
}

/** Versions end up in file names after the id, so the same first-character, ".." and trailing "." rules apply. */
export function isValidJplVersion(version: string): boolean {
  return VERSION_PATTERN.test(version) && !version.includes('..') && !version.endsWith('.');
}

function optionalString(json: Record<string, unknown>, field: string): string | undefined {
  const value = json[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new JamiError('JPL_MANIFEST_INVALID', `manifest.json: "${field}" must be a string.`);
  return value;
}

/**
 * Why an icon or background path (relative to `data/`) is unusable, or undefined. Stricter than an
 * entry name needs to be: the path is shown to clients, so no part of it may be empty, hidden or
 * a parent reference, and it may hold no control character.
 */
function dataPathProblem(value: string): string | undefined {
  if (value === '') return 'it is empty';
  if (value.length > NAMES.maxFileNameLength) return `it is longer than ${NAMES.maxFileNameLength} characters`;
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return 'it contains a control character or a backslash';
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) return 'it is an absolute path';
  if (value.endsWith('/')) return 'it names a folder';
  if (value.split('/').some((part) => part === '' || part.startsWith('.'))) return 'a part of it is empty, "..", or starts with a dot';
  return undefined;
}

function dataPath(json: Record<string, unknown>, field: string, fallback: string): string {
  const value = optionalString(json, field) ?? fallback;
  const problem = dataPathProblem(value);
  if (problem) throw new JamiError('JPL_MANIFEST_INVALID', `manifest.json: "${field}" must name a file inside data/ (${problem}).`);
  return value;
}

/** Parses and validates manifest.json (bytes as stored in the package). */
export function parseJplManifest(bytes: Buffer): JplManifest {
  let json: unknown;
  try {
    // Strip a UTF-8 byte order mark: editors on Windows write one and the daemon's parser skips it.
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch (err) {
    throw new JamiError('JPL_MANIFEST_INVALID', 'manifest.json is not valid UTF-8 JSON. Fix its syntax.', { cause: err });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new JamiError('JPL_MANIFEST_INVALID', 'manifest.json must be a JSON object.');
  }
  const fields = json as Record<string, unknown>;
  const name = optionalString(fields, 'name');
  if (!name) throw new JamiError('JPL_MANIFEST_INVALID', 'manifest.json has no "name". Add the plugin name.');
  const id = optionalString(fields, 'id') ?? name;
  if (!isValidJplId(id)) {
    throw new JamiError(
      'JPL_ID_INVALID',
      `The plugin id ${JSON.stringify(id)} is not usable: use at most ${NAMES.maxAddonIdLength} letters, digits, ".", "_" or "-", starting with a letter or digit, without ".." and not ending with "." (set "id" in manifest.json when the name has other characters).`,
    );
  }
  const version = optionalString(fields, 'version');
  if (version === undefined || !isValidJplVersion(version)) {
    throw new JamiError(
      'JPL_VERSION_INVALID',
      `manifest.json ${version === undefined ? 'has no "version"' : `has version ${JSON.stringify(version)}, which is not usable`}: use at most 64 letters, digits, ".", "+" or "-", starting with a letter or digit, without ".." and not ending with ".", e.g. "1.0.2".`,
    );
  }
  return {
    id,
    name,
    description: optionalString(fields, 'description') ?? '',
    version,
    iconPath: dataPath(fields, 'iconPath', 'icon.png'),
    backgroundPath: dataPath(fields, 'backgroundPath', 'background.jpg'),
  };
}
