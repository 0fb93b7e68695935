import { unsafePathReason } from '../package/zip-entry-checks.ts';
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

const ID_PATTERN = /^[A-Za-z0-9._-]{1,80}$/;
const VERSION_PATTERN = /^[0-9A-Za-z.+-]{1,64}$/;

/** Whether `id` can be used as a file name and URL segment without escaping. */
export function isValidJplId(id: string): boolean {
  return ID_PATTERN.test(id) && !id.startsWith('.');
}

export function isValidJplVersion(version: string): boolean {
  return VERSION_PATTERN.test(version);
}

function optionalString(json: Record<string, unknown>, field: string): string | undefined {
  const value = json[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new JamiError('JPL_MANIFEST_INVALID', `manifest.json: "${field}" must be a string.`);
  return value;
}

function dataPath(json: Record<string, unknown>, field: string, fallback: string): string {
  const value = optionalString(json, field) ?? fallback;
  const unsafe = value === '' ? 'it is empty' : unsafePathReason(value);
  if (unsafe || value.endsWith('/')) {
    throw new JamiError('JPL_MANIFEST_INVALID', `manifest.json: "${field}" must name a file inside data/ (${unsafe ?? 'it names a folder'}).`);
  }
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
      `The plugin id "${id}" is not usable: use at most 80 letters, digits, ".", "_" or "-", not starting with a dot (set "id" in manifest.json when the name has other characters).`,
    );
  }
  const version = optionalString(fields, 'version');
  if (version === undefined || !isValidJplVersion(version)) {
    throw new JamiError(
      'JPL_VERSION_INVALID',
      `manifest.json ${version === undefined ? 'has no "version"' : `has version "${version}", which is not usable`}: use at most 64 letters, digits, ".", "+" or "-", e.g. "1.0.2".`,
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
