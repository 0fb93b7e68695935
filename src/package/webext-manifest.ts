import { validateAddonId, validateAddonVersion, validateAppRange, validateAppVersion } from './addon-identity.ts';
import { pickManifestIcon } from './addon-icon.ts';
import { PackageError } from './package-errors.ts';

export type WebExtKind = 'extension' | 'theme' | 'dictionary' | 'langpack';

export interface WebExtManifest {
  manifestVersion: number;
  /** As written; may be a `__MSG_name__` placeholder (see localizeWebExtString). */
  name: string;
  /** description, and developer.name else author: shown, never checked (a wrong type is left out). */
  description: string | undefined;
  author: string | undefined;
  version: string;
  defaultLocale: string | undefined;
  /** Which key held the gecko block: Firefox reads browser_specific_settings first. */
  geckoKey: 'browser_specific_settings' | 'applications';
  gecko: {
    id: string;
    strictMinVersion: string | undefined;
    strictMaxVersion: string | undefined;
    updateUrl: string | undefined;
  };
  kind: WebExtKind;
  /** The `icons` entry the catalog shows (addon-icon.ts picks the size), as written. */
  iconPath: string | undefined;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string, cause?: unknown): PackageError {
  return new PackageError('WEBEXT_INVALID', message, cause === undefined ? undefined : { cause });
}

/** A `//` comment line as parseJsonWithLineComments drops it (shared so editors blank the same lines). */
export const LINE_COMMENT = /^[ \t]*\/\/[^\r\n]*/gm;

/**
 * manifest.json as Firefox reads it: UTF-8 (a BOM is tolerated) and, like Firefox, lines whose
 * first non-blank characters are `//` are dropped before JSON.parse. Comments anywhere else are
 * a syntax error, as they are for Firefox. A JSON string cannot span lines, so a dropped line can
 * never be part of a value.
 */
export function parseJsonWithLineComments(bytes: Buffer, what: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    throw invalid(`${what} is not valid UTF-8. Save it as UTF-8.`, err);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // A second mark is whitespace to some JSON readers and an error to others: refuse it.
  if (text.charCodeAt(0) === 0xfeff) throw invalid(`${what} starts with two byte-order marks. Save it as UTF-8 with at most one.`);
  const stripped = text.replace(LINE_COMMENT, '');
  try {
    return JSON.parse(stripped);
  } catch (err) {
    throw invalid(`${what} is not valid JSON: ${(err as Error).message}`, err);
  }
}

function optionalString(obj: Json, key: string, where: string): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${where}.${key} must be a string.`);
  return value;
}

function requiredString(obj: Json, key: string): string {
  const value = optionalString(obj, key, 'manifest.json');
  if (value === undefined || value.trim() === '') throw invalid(`manifest.json has no "${key}". Add one.`);
  return value;
}

function kindOf(manifest: Json): WebExtKind {
  if (isObject(manifest.theme)) return 'theme';
  if (isObject(manifest.dictionaries)) return 'dictionary';
  if (typeof manifest.langpack_id === 'string') return 'langpack';
  return 'extension';
}

export function parseWebExtManifest(bytes: Buffer): WebExtManifest {
  const manifest = parseJsonWithLineComments(bytes, 'manifest.json');
  if (!isObject(manifest)) throw invalid('manifest.json must contain a JSON object.');

  const manifestVersion = manifest.manifest_version;
  if (manifestVersion !== 2 && manifestVersion !== 3) {
    throw invalid('manifest.json must have "manifest_version": 2 or 3.');
  }
  const name = requiredString(manifest, 'name');
  const version = validateAddonVersion(requiredString(manifest, 'version'));
  const defaultLocale = optionalString(manifest, 'default_locale', 'manifest.json');

  // Firefox prefers browser_specific_settings.gecko and falls back to the older applications key.
  for (const key of ['browser_specific_settings', 'applications']) {
    const value = manifest[key];
    if (value !== undefined && !isObject(value)) throw invalid(`manifest.json "${key}" must be an object.`);
  }
  const bss = manifest.browser_specific_settings as Json | undefined;
  const geckoKey = bss?.gecko !== undefined ? 'browser_specific_settings' : 'applications';
  const gecko = (manifest[geckoKey] as Json | undefined)?.gecko;
  if (gecko !== undefined && !isObject(gecko)) throw invalid(`manifest.json "${geckoKey}.gecko" must be an object.`);
  const where = `${geckoKey}.gecko`;
  const id = gecko ? optionalString(gecko, 'id', where) : undefined;
  if (id === undefined || id === '') {
    throw new PackageError(
      'WEBEXT_NO_GECKO_ID',
      'This add-on has no browser_specific_settings.gecko.id, so Firefox cannot self-update it; add one.',
    );
  }
  const strictMinVersion = optionalString(gecko!, 'strict_min_version', where);
  const strictMaxVersion = optionalString(gecko!, 'strict_max_version', where);
  if (strictMinVersion !== undefined) validateAppVersion(strictMinVersion, `${where}.strict_min_version`);
  if (strictMaxVersion !== undefined) validateAppVersion(strictMaxVersion, `${where}.strict_max_version`);
  if (strictMinVersion !== undefined && strictMaxVersion !== undefined) validateAppRange(strictMinVersion, strictMaxVersion, 'Firefox');

  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
  const developer = isObject(manifest.developer) ? manifest.developer : {};
  return {
    manifestVersion,
    name,
    description: text(manifest.description),
    author: text(developer.name) ?? text(manifest.author),
    version,
    defaultLocale,
    geckoKey,
    gecko: {
      id: validateAddonId(id),
      strictMinVersion,
      strictMaxVersion,
      updateUrl: optionalString(gecko!, 'update_url', where),
    },
    kind: kindOf(manifest),
    iconPath: pickManifestIcon(manifest.icons),
  };
}

/**
 * Replaces `__MSG_key__` placeholders from a `_locales/<locale>/messages.json` (keys match
 * case-insensitively, as in Firefox). Unknown keys stay as written, so a display name never
 * silently becomes empty. Returns undefined when the messages file is unusable.
 */
export function localizeWebExtString(value: string, messagesJson: Buffer): string | undefined {
  let messages: unknown;
  try {
    messages = parseJsonWithLineComments(messagesJson, 'messages.json');
  } catch {
    return undefined;
  }
  if (!isObject(messages)) return undefined;
  const byKey = new Map<string, string>();
  for (const [key, entry] of Object.entries(messages)) {
    if (isObject(entry) && typeof entry.message === 'string') byKey.set(key.toLowerCase(), entry.message);
  }
  return value.replace(/__MSG_([A-Za-z0-9@_]+?)__/g, (whole, key: string) => byKey.get(key.toLowerCase()) ?? whole);
}
