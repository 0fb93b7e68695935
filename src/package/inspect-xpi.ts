import { installRdfIconEntry, manifestIconEntry, readPackageIcon, type PackageIcon } from './addon-icon.ts';
import { parseInstallRdf, type AddonType, type TargetApplication } from './install-rdf.ts';
import { PackageError } from './package-errors.ts';
import { localizeWebExtString, parseJsonWithLineComments, parseWebExtManifest, type WebExtManifest } from './webext-manifest.ts';
import { openZip, type ZipArchive, type ZipLimits, type ZipSource } from './zip-reader.ts';

export interface XpiInfo {
  format: 'install.rdf' | 'webextension';
  id: string;
  version: string;
  /** Display name (em:name, or the resolved manifest.json name); the id when there is none. */
  name: string;
  /** What the public catalog shows, clipped (em:description / description, em:creator / developer or author). */
  description?: string;
  author?: string;
  type: AddonType;
  /** install.rdf's numeric em:type when given. */
  typeCode?: number;
  targetApplications: TargetApplication[];
  targetPlatforms: string[];
  updateURL?: string;
  updateKey?: string;
  /** The icon the public catalog shows, read and checked (absent, with a warning, when unusable). */
  icon?: PackageIcon;
  warnings: string[];
}

export const FIREFOX_APP_ID = '{ec8030f7-c20a-464f-9b0e-13a3a9e97384}';
export const FIREFOX_ANDROID_APP_ID = '{aa3c5121-dab2-40e2-81ca-7ea25febc110}';
export const THUNDERBIRD_APP_ID = '{3550f703-e582-4d05-9a08-453d09bdfdc6}';
/** The applications a WebExtension is offered to, Firefox first (the plain update.json's ranges). */
export const WEBEXTENSION_APPS = [FIREFOX_APP_ID, FIREFOX_ANDROID_APP_ID, THUNDERBIRD_APP_ID] as const;
/**
 * strict_min_version when a WebExtension gives none: 42.0, the first Firefox release that ran
 * WebExtensions (Firefox itself uses 42.0a1 internally, which no installed client still runs).
 */
export const WEBEXT_DEFAULT_MIN_VERSION = '42.0';
export const WEBEXT_DEFAULT_MAX_VERSION = '*';

/** Manifests are small; a multi-megabyte one is an attack or a mistake, never worth parsing. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * Describes an uploaded XPI without extracting it. install.rdf wins when both manifests exist,
 * because that is what every client that reads install.rdf (the ones Outpost signs for) installs.
 */
export async function inspectXpi(source: ZipSource, limits?: Partial<ZipLimits>): Promise<XpiInfo> {
  const zip = await openZip(source, limits);
  try {
    if (zip.has('install.rdf')) {
      const info = await fromInstallRdf(zip);
      if (zip.has('manifest.json')) {
        checkHybridAgreement(info, parseJsonWithLineComments(await zip.read('manifest.json', MAX_MANIFEST_BYTES), 'manifest.json'));
        info.warnings.push('The XPI has both install.rdf and manifest.json; install.rdf was used.');
      }
      return info;
    }
    if (zip.has('manifest.json')) return await fromWebExtension(zip);
    throw new PackageError(
      'XPI_NO_MANIFEST',
      'The XPI has neither install.rdf nor manifest.json at its top level. Zip the add-on folder\'s contents, not the folder.',
    );
  } finally {
    zip.close();
  }
}

/**
 * A hybrid XPI is installed from install.rdf by legacy clients and from manifest.json by current
 * ones: both must name the same add-on and version, or the two clients install different things.
 */
function checkHybridAgreement(info: XpiInfo, manifest: unknown): void {
  const obj = (manifest ?? {}) as Record<string, unknown>;
  const gecko = (key: string) => ((obj[key] as Record<string, unknown> | undefined)?.gecko as Record<string, unknown> | undefined)?.id;
  const id = gecko('browser_specific_settings') ?? gecko('applications');
  if (id !== undefined && id !== info.id) {
    throw new PackageError('MANIFESTS_DISAGREE', `install.rdf names the add-on ${info.id} but manifest.json names ${String(id)}. Use one id in both.`);
  }
  if (obj.version !== undefined && obj.version !== info.version) {
    throw new PackageError('MANIFESTS_DISAGREE', `install.rdf says version ${info.version} but manifest.json says ${String(obj.version)}. Use one version in both.`);
  }
}

/** Shown in listings, not used by any client: a manifest's essay is cut rather than refused. */
const MAX_DESCRIPTION_CHARS = 1000;
const MAX_AUTHOR_CHARS = 200;

function shownText(description: string | undefined, author: string | undefined): Pick<XpiInfo, 'description' | 'author'> {
  const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text).trim();
  return {
    ...(description?.trim() ? { description: clip(description, MAX_DESCRIPTION_CHARS) } : {}),
    ...(author?.trim() ? { author: clip(author, MAX_AUTHOR_CHARS) } : {}),
  };
}

function isPlainHttp(url: string): boolean {
  return /^http:/i.test(url);
}

async function fromInstallRdf(zip: ZipArchive): Promise<XpiInfo> {
  const manifest = parseInstallRdf(await zip.read('install.rdf', MAX_MANIFEST_BYTES));
  const warnings = [...manifest.warnings];
  if (manifest.updateURL === undefined) {
    warnings.push('install.rdf has no em:updateURL, so clients will not ask this server for updates.');
  } else if (isPlainHttp(manifest.updateURL) && manifest.updateKey === undefined) {
    warnings.push(
      'em:updateURL uses plain http and there is no em:updateKey: clients refuse such updates. Add an update key or use https.',
    );
  }
  if (manifest.name === undefined) warnings.push('install.rdf has no em:name.');
  const icon = await iconOf(zip, installRdfIconEntry(manifest.iconURL, zip), 'em:iconURL', warnings);
  return {
    format: 'install.rdf',
    id: manifest.id,
    version: manifest.version,
    name: manifest.name ?? manifest.id,
    ...shownText(manifest.description, manifest.creator),
    type: manifest.type,
    ...(manifest.typeCode !== undefined && { typeCode: manifest.typeCode }),
    targetApplications: manifest.targetApplications,
    targetPlatforms: manifest.targetPlatforms,
    ...(manifest.updateURL !== undefined && { updateURL: manifest.updateURL }),
    ...(manifest.updateKey !== undefined && { updateKey: manifest.updateKey }),
    ...(icon && { icon }),
    warnings,
  };
}

/** A manifest string with its `__MSG_key__` placeholders filled from the default locale, if it can be. */
async function localized(zip: ZipArchive, manifest: WebExtManifest, value: string): Promise<string | undefined> {
  if (!value.includes('__MSG_')) return value;
  const locale = manifest.defaultLocale;
  const path = locale && /^[A-Za-z0-9_-]+$/.test(locale) ? `_locales/${locale}/messages.json` : undefined;
  if (!path || !zip.has(path)) return undefined;
  return localizeWebExtString(value, await zip.read(path, MAX_MANIFEST_BYTES));
}

/** An unresolvable description is left out rather than shown as __MSG_key__. */
async function webextDescription(zip: ZipArchive, manifest: WebExtManifest): Promise<string | undefined> {
  const text = manifest.description === undefined ? undefined : await localized(zip, manifest, manifest.description);
  return text?.includes('__MSG_') ? undefined : text;
}

async function displayName(zip: ZipArchive, manifest: WebExtManifest, warnings: string[]): Promise<string> {
  const name = await localized(zip, manifest, manifest.name);
  if (name === undefined || name.includes('__MSG_')) warnings.push(`The name "${manifest.name}" could not be resolved from the default locale's messages.json.`);
  return name ?? manifest.name;
}

async function fromWebExtension(zip: ZipArchive): Promise<XpiInfo> {
  const manifest = parseWebExtManifest(await zip.read('manifest.json', MAX_MANIFEST_BYTES));
  const warnings: string[] = [];
  const updateURL = manifest.gecko.updateUrl;
  if (updateURL === undefined) {
    warnings.push('manifest.json has no browser_specific_settings.gecko.update_url, so Firefox will not ask this server for updates.');
  } else if (!/^https:/i.test(updateURL)) {
    warnings.push('gecko.update_url must use https; Firefox refuses to check an update URL over plain http.');
  }
  const icon = await iconOf(zip, manifestIconEntry(manifest.iconPath), 'manifest.json', warnings);
  if (manifest.geckoKey === 'applications') {
    warnings.push('manifest.json uses the old "applications" key; rename it to "browser_specific_settings".');
  }
  return {
    format: 'webextension',
    id: manifest.gecko.id,
    version: manifest.version,
    name: await displayName(zip, manifest, warnings),
    ...shownText(await webextDescription(zip, manifest), manifest.author),
    type: manifest.kind === 'extension' ? 'extension' : manifest.kind === 'theme' ? 'theme' : 'other',
    // Every Gecko application that runs WebExtensions reads browser_specific_settings.gecko and
    // applies its range to its own version (Thunderbird 128 for strict_min_version 128.0), so the
    // one range is offered to each; SeaMonkey and Pale Moon cannot run WebExtensions.
    targetApplications: WEBEXTENSION_APPS.map((id) => ({
      id,
      minVersion: manifest.gecko.strictMinVersion ?? WEBEXT_DEFAULT_MIN_VERSION,
      maxVersion: manifest.gecko.strictMaxVersion ?? WEBEXT_DEFAULT_MAX_VERSION,
    })),
    targetPlatforms: [],
    ...(updateURL !== undefined && { updateURL }),
    ...(icon && { icon }),
    warnings,
  };
}

async function iconOf(zip: ZipArchive, named: { entry?: string | undefined; warning?: string }, by: string, warnings: string[]): Promise<PackageIcon | undefined> {
  if (named.warning) warnings.push(named.warning);
  if (!named.entry) return undefined;
  const read = await readPackageIcon(zip, named.entry, by);
  if (read.warning) warnings.push(read.warning);
  return read.icon;
}
