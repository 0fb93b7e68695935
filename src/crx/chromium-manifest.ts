import { CRX, MANIFEST } from '../limits.ts';
import { pickManifestIcon } from '../package/addon-icon.ts';
import { parseJsonWithLineComments } from '../package/webext-manifest.ts';
import { checkExtensionVersion, isChromiumVersion } from './chromium-version.ts';
import { CrxError } from './crx-errors.ts';
import { extensionIdOf } from './extension-id.ts';

/**
 * The parts of a Chromium extension's manifest.json that updates depend on, checked as Chromium 156's
 * packer checks them (chromium-extensions.md) or more strictly; never accepting what it refuses.
 */
export interface ChromiumManifest {
  manifestVersion: 2 | 3;
  /** As written; may be a `__MSG_name__` placeholder (localizeWebExtString resolves it). */
  name: string;
  /** Canonical: see checkExtensionVersion. */
  version: string;
  versionName: string | undefined;
  defaultLocale: string | undefined;
  updateUrl: string | undefined;
  /** Chromium refuses to install on an older browser; gupdate answers honour it. */
  minimumChromeVersion: string | undefined;
  /** SPKI DER from "key": Chromium replaces it with the package's key on install. */
  key: Buffer | undefined;
  /** The `icons` entry the public catalog shows (addon-icon.ts picks the size), as written. */
  iconPath: string | undefined;
}

type Json = Record<string, unknown>;

function invalid(message: string, cause?: unknown): CrxError {
  return new CrxError('CRX_MANIFEST_INVALID', message, cause === undefined ? undefined : { cause });
}

function optionalString(manifest: Json, key: string): string | undefined {
  const value = manifest[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`manifest.json "${key}" must be a string.`);
  return value;
}

function parseUpdateUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch (err) {
    throw invalid(`manifest.json "update_url" "${value}" is not a URL.`, err);
  }
  // Chromium's packer takes ftp: too, but its updater fetches only over HTTP(S).
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('manifest.json "update_url" must be an http or https URL.');
  return value;
}

const PEM_ARMOR = /^-----BEGIN PUBLIC KEY-----([\s\S]*)-----END PUBLIC KEY-----\s*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** "key": base64 SPKI DER, optionally in PEM armor (Extension::ParsePEMKeyBytes). */
function parseKey(value: string | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  const armored = PEM_ARMOR.exec(value);
  const base64 = armored ? armored[1]!.replace(/\s+/g, '') : value;
  if (base64 === '' || !BASE64.test(base64)) throw invalid('manifest.json "key" must be the base64 of a public key (SubjectPublicKeyInfo DER).');
  return Buffer.from(base64, 'base64');
}

/**
 * Chromium would not install what JSON.parse happily reads at any depth (CRX.maxManifestDepth).
 * Counted on the parsed value with a loop, so the check itself cannot run out of stack.
 */
function checkNesting(value: unknown): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > CRX.maxManifestDepth) throw invalid(`manifest.json nests arrays and objects more than ${CRX.maxManifestDepth} deep, which Chromium cannot read.`);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
}

export function parseChromiumManifest(bytes: Buffer): ChromiumManifest {
  if (bytes.length > MANIFEST.maxBytes) throw invalid(`manifest.json is ${bytes.length} bytes; at most ${MANIFEST.maxBytes} are accepted.`);
  let manifest: unknown;
  try {
    manifest = parseJsonWithLineComments(bytes, 'manifest.json');
  } catch (err) {
    // Stricter than Chromium, which also skips /* */ comments; the message says what is wrong.
    throw invalid((err as Error).message, err);
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw invalid('manifest.json must contain a JSON object.');
  checkNesting(manifest);
  const json = manifest as Json;

  const manifestVersion = json.manifest_version;
  if (manifestVersion !== 2 && manifestVersion !== 3) throw invalid('manifest.json must have "manifest_version": 2 or 3.');
  const name = optionalString(json, 'name');
  if (name === undefined || name.trim() === '') throw invalid('manifest.json has no "name". Add one.');
  const version = json.version;
  if (typeof version !== 'string') throw new CrxError('CRX_MANIFEST_VERSION_INVALID', 'manifest.json needs a "version" string, such as "1.0".');
  const minimumChromeVersion = optionalString(json, 'minimum_chrome_version');
  if (minimumChromeVersion !== undefined && !isChromiumVersion(minimumChromeVersion)) {
    throw invalid(`manifest.json "minimum_chrome_version" "${minimumChromeVersion}" is not a Chromium version such as "120" or "120.0.6099.0".`);
  }
  return {
    manifestVersion,
    name,
    version: checkExtensionVersion(version),
    versionName: optionalString(json, 'version_name'),
    defaultLocale: optionalString(json, 'default_locale'),
    updateUrl: parseUpdateUrl(optionalString(json, 'update_url')),
    minimumChromeVersion,
    key: parseKey(optionalString(json, 'key')),
    iconPath: pickManifestIcon(json.icons),
  };
}

/**
 * A "key" in manifest.json must be the key the package is signed with. Chromium would silently
 * replace it, so a mismatch is a publisher's mistake worth stopping: ids computed from the manifest
 * (by unpacked installs, by other tools) would differ from the installed one.
 */
export function checkManifestKey(manifest: ChromiumManifest, developerKeySpki: Buffer): void {
  if (manifest.key !== undefined && !manifest.key.equals(developerKeySpki)) {
    throw new CrxError('CRX_MANIFEST_KEY_MISMATCH', `manifest.json "key" is not the key this package is signed with (id ${extensionIdOf(developerKeySpki)}). Remove "key" or sign with its key.`);
  }
}
