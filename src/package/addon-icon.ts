import { ICON } from '../limits.ts';
import { sniffImageType, type ImageType } from './image-type.ts';
import { PackageError } from './package-errors.ts';
import type { ZipArchive } from './zip-reader.ts';

/**
 * The icon the public catalog shows for an XPI or a Chromium extension: named by the manifest,
 * copied out of the package at publish time. An icon is decoration, so every problem with it is a
 * warning and no icon, never a refused upload.
 *
 * SVG is not accepted: the icon is served at its own URL, and opened there an SVG is a document
 * of this origin that can run script. The catalog's route could send a sandboxing CSP, but the
 * object also sits under public/ in the data folder or bucket, which a deployment may expose
 * without Outpost (and so without that header); raster types run nothing anywhere, and every
 * manifest format allows a PNG.
 */
export type IconType = Exclude<ImageType, 'image/svg+xml'>;

/** The stored object's extension by the type its bytes proved (the entry's own name is not trusted). */
export const ICON_EXTENSIONS: Readonly<Record<IconType, string>> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' };

export interface PackageIcon {
  /** The ZIP entry it was read from. */
  entry: string;
  bytes: Buffer;
  contentType: IconType;
}

export type IconRead = { icon: PackageIcon; warning?: undefined } | { icon?: undefined; warning: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A manifest.json `icons` map ({"48": "icons/48.png", …}, WebExtensions and Chromium alike): the
 * smallest size of at least ICON.preferredPx, else the largest. Keys that are not plain sizes and
 * values that are not strings are skipped, as the browsers ignore them.
 */
export function pickManifestIcon(icons: unknown): string | undefined {
  if (!isObject(icons)) return undefined;
  const sizes = Object.entries(icons).flatMap(([key, path]) =>
    /^[1-9][0-9]{0,3}$/.test(key) && Number(key) <= ICON.maxPx && typeof path === 'string' ? [{ px: Number(key), path }] : []);
  const atLeast = sizes.filter((s) => s.px >= ICON.preferredPx).sort((a, b) => a.px - b.px)[0];
  return (atLeast ?? sizes.sort((a, b) => b.px - a.px)[0])?.path;
}

/**
 * The ZIP entry a manifest's icon path names. Browsers resolve it as a URL against the package's
 * root, so "/a.png", "./a.png" and "a.png" are one entry; anything a URL resolver and a ZIP lookup
 * could read differently ("..", "%20", "\", a query, a scheme such as chrome://) names none.
 */
export function iconEntryName(path: string): string | undefined {
  let name = path.startsWith('/') ? path.slice(1) : path;
  if (name.startsWith('./')) name = name.slice(2);
  if (name === '' || name.length > 1024 || /[\\%?#:\u0000-\u001f\u007f]/.test(name)) return undefined;
  return name.split('/').some((s) => s === '' || s === '.' || s === '..') ? undefined : name;
}

/** The entry of a manifest.json's picked icon (WebExtension or Chromium). */
export function manifestIconEntry(iconPath: string | undefined): { entry?: string; warning?: string } {
  if (iconPath === undefined) return {};
  const entry = iconEntryName(iconPath);
  return entry ? { entry } : { warning: `The icon path ${iconPath} in manifest.json is not a plain path inside the package; the catalog shows no icon.` };
}

/** Top-level icons that Firefox showed for an install.rdf add-on without an em:iconURL. */
const INSTALL_RDF_DEFAULT_ICONS = ['icon64.png', 'icon.png'];

/**
 * install.rdf's icon: em:iconURL when it is a path inside the package, else the default
 * icon64.png or icon.png. A chrome:// URL is only resolvable through chrome.manifest, whose
 * flags (application, appversion, os, platform) let each client map it differently: it is
 * skipped rather than guessed.
 */
export function installRdfIconEntry(iconURL: string | undefined, zip: Pick<ZipArchive, 'has'>): { entry?: string; warning?: string } {
  const fallback = INSTALL_RDF_DEFAULT_ICONS.find((name) => zip.has(name));
  if (iconURL === undefined) return fallback ? { entry: fallback } : {};
  const entry = iconEntryName(iconURL);
  if (entry) return { entry };
  const warning = /^chrome:/i.test(iconURL)
    ? `em:iconURL ${iconURL} is a chrome:// URL, which Outpost does not resolve through chrome.manifest${fallback ? `; ${fallback} is shown instead` : ': add icon.png at the package\'s top level for the catalog to show an icon'}.`
    : `em:iconURL ${iconURL} is not a path inside the package${fallback ? `; ${fallback} is shown instead` : ''}.`;
  return { ...(fallback ? { entry: fallback } : {}), warning };
}

/**
 * Reads and checks one icon entry with the archive's own limits plus ICON.maxBytes (checked on
 * the central directory's size before anything is inflated), and its type by its bytes.
 */
export async function readPackageIcon(zip: ZipArchive, entry: string, named: string): Promise<IconRead> {
  const info = zip.entries.find((e) => e.name === entry && !e.isDirectory);
  const skip = (why: string): IconRead => ({ warning: `The icon ${entry} named by ${named} ${why}; the catalog shows no icon.` });
  if (!info) return skip('is not in the package');
  if (info.uncompressedSize > ICON.maxBytes) return skip(`is ${info.uncompressedSize} bytes, more than the ${ICON.maxBytes} accepted`);
  let bytes: Buffer;
  try {
    bytes = await zip.read(entry, ICON.maxBytes);
  } catch (err) {
    if (!(err instanceof PackageError)) throw err;
    return skip(`could not be read (${err.code})`);
  }
  const type = sniffImageType(bytes);
  if (type === 'image/svg+xml') return skip('is an SVG, which Outpost does not serve (it could run script); add a PNG');
  if (!type) return skip('is not a PNG, JPEG, GIF or WebP image');
  return { icon: { entry, bytes, contentType: type } };
}
