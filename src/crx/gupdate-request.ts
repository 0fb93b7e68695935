import { isChromiumVersion } from './chromium-version.ts';
import { CrxError } from './crx-errors.ts';
import { CRX } from '../limits.ts';
import { isExtensionId } from './extension-id.ts';

/**
 * An update check in Chromium's GET gupdate protocol (chromium-extensions.md, update-protocols.md §5):
 *
 *     ?os=linux&arch=x64&prod=chromiumcrx&prodversion=156.0.…&acceptformat=crx3,puff
 *      &x=id%3D<id>%26v%3D<version or 0.0.0.0>%26installsource%3Dnotfromwebstore%26uc
 *
 * one `x` per extension sharing the update URL, each itself a URL-encoded query.
 */

export interface GupdateAppCheck {
  readonly id: string;
  /** What the browser has installed; undefined for a first install (Chromium sends 0.0.0.0). */
  readonly installedVersion: string | undefined;
  readonly installSource: string | undefined;
}

export interface GupdateQuery {
  /** In request order. */
  readonly apps: readonly GupdateAppCheck[];
  /** The browser's version, or undefined when absent or not a Chromium version. */
  readonly prodVersion: string | undefined;
  /** chromiumcrx, chromecrx, … */
  readonly prod: string | undefined;
  readonly acceptFormat: readonly string[];
}

const NOT_INSTALLED = '0.0.0.0';

function invalid(message: string): CrxError {
  return new CrxError('CRX_UPDATE_QUERY_INVALID', message);
}

function single(params: URLSearchParams, name: string, where: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw invalid(`${where} has "${name}" ${values.length} times.`);
  return values[0];
}

function parseAppCheck(x: string, index: number): GupdateAppCheck {
  const where = `x parameter ${index + 1}`;
  if (x.length > CRX.maxUpdateAppParamBytes) {
    throw new CrxError('CRX_UPDATE_QUERY_TOO_LARGE', `The update check's ${where} is over ${CRX.maxUpdateAppParamBytes} characters.`);
  }
  const params = new URLSearchParams(x);
  const id = single(params, 'id', where);
  if (id === undefined || !isExtensionId(id)) throw invalid(`The update check's ${where} has no extension id (32 letters a-p).`);
  const version = single(params, 'v', where);
  if (version !== undefined && version !== '' && !isChromiumVersion(version)) {
    throw invalid(`The update check's ${where} has the version "${version}", which is not a Chromium version.`);
  }
  return {
    id,
    installedVersion: version === undefined || version === '' || version === NOT_INSTALLED ? undefined : version,
    installSource: single(params, 'installsource', where),
  };
}

/** `query` is the raw query string of the request (with or without the leading "?"). */
export function parseGupdateQuery(query: string): GupdateQuery {
  if (query.length > CRX.maxUpdateQueryBytes) {
    throw new CrxError('CRX_UPDATE_QUERY_TOO_LARGE', `The update check is over ${CRX.maxUpdateQueryBytes} characters long.`);
  }
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const xs = params.getAll('x');
  if (xs.length === 0) throw invalid('The update check names no extension (no x parameter).');
  if (xs.length > CRX.maxUpdateApps) {
    throw new CrxError('CRX_UPDATE_QUERY_TOO_LARGE', `The update check names ${xs.length} extensions; at most ${CRX.maxUpdateApps} are answered at once.`);
  }
  const apps = xs.map(parseAppCheck);
  const seen = new Set<string>();
  for (const app of apps) {
    // Chromium never repeats an id in one check (ManifestFetchData); two answers would be ambiguous.
    if (seen.has(app.id)) throw invalid(`The update check names ${app.id} twice.`);
    seen.add(app.id);
  }
  const prodVersion = single(params, 'prodversion', 'The update check');
  return {
    apps,
    // Only a filter (minimum_chrome_version); the browser checks prodversionmin itself, so a fork's
    // odd version string is not worth refusing its updates over.
    prodVersion: prodVersion !== undefined && isChromiumVersion(prodVersion) ? prodVersion : undefined,
    prod: single(params, 'prod', 'The update check'),
    acceptFormat: (single(params, 'acceptformat', 'The update check') ?? '').split(',').filter((f) => f !== ''),
  };
}
