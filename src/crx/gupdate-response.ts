import { compareChromiumVersions, isChromiumVersion } from './chromium-version.ts';
import { isExtensionId } from './extension-id.ts';
import type { GupdateAppCheck, GupdateQuery } from './gupdate-request.ts';

/**
 * The answer to a gupdate check (update-protocols.md §5, chromium-extensions.md):
 *
 *     <gupdate xmlns="http://www.google.com/update2/response" protocol="2.0">
 *       <app appid="…" status="ok"><updatecheck status="ok" codebase="…" version="…" …/></app>
 *     </gupdate>
 *
 * Chromium's parser (safe_manifest_parser.cc) needs exactly one updatecheck per app and reads
 * status="noupdate" as nothing to do; it skips a version not newer than the installed one and one
 * whose prodversionmin is above its own version.
 */

export interface GupdateCandidate {
  readonly version: string;
  /** Absolute http(s) URL of the .crx. */
  readonly codebase: string;
  /** Lowercase hex SHA-256 of the whole .crx (enforced only with --enable-crx-hash-check). */
  readonly sha256: string;
  readonly size?: number;
  /** From the package's manifest.json. */
  readonly minimumChromeVersion?: string | undefined;
}

export interface GupdateAnswer {
  readonly appId: string;
  /** undefined: answer noupdate. */
  readonly update: GupdateCandidate | undefined;
}

/**
 * The newest candidate this browser can run, if it is newer than what is installed. Without a
 * prodversion nothing is filtered here: the answer carries prodversionmin and the browser decides.
 */
export function chooseGupdateUpdate(
  check: GupdateAppCheck,
  candidates: readonly GupdateCandidate[],
  prodVersion: string | undefined,
): GupdateCandidate | undefined {
  let best: GupdateCandidate | undefined;
  for (const candidate of candidates) {
    const min = candidate.minimumChromeVersion;
    if (prodVersion !== undefined && min !== undefined && compareChromiumVersions(min, prodVersion) > 0) continue;
    if (best === undefined || compareChromiumVersions(candidate.version, best.version) > 0) best = candidate;
  }
  if (best === undefined) return undefined;
  if (check.installedVersion !== undefined && compareChromiumVersions(best.version, check.installedVersion) <= 0) return undefined;
  return best;
}

/** One answer per app, in request order; an id with no candidates (unknown here) gets noupdate. */
export function answerGupdateQuery(query: GupdateQuery, candidatesById: ReadonlyMap<string, readonly GupdateCandidate[]>): GupdateAnswer[] {
  return query.apps.map((app) => ({
    appId: app.id,
    update: chooseGupdateUpdate(app, candidatesById.get(app.id) ?? [], query.prodVersion),
  }));
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function attribute(name: string, value: string): string {
  // Control characters cannot appear in XML 1.0 at all, escaped or not.
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new RangeError(`The ${name} attribute holds a control character.`);
  return ` ${name}="${value.replace(/[&<>"]/g, (c) => XML_ESCAPES[c]!)}"`;
}

function checkCandidate(c: GupdateCandidate): void {
  if (!isChromiumVersion(c.version)) throw new RangeError(`"${c.version}" is not a Chromium version.`);
  if (!/^https?:\/\//.test(c.codebase) || !URL.canParse(c.codebase)) throw new RangeError(`"${c.codebase}" is not an http(s) URL.`);
  if (!/^[0-9a-f]{64}$/.test(c.sha256)) throw new RangeError('sha256 must be 64 lowercase hex digits.');
  if (c.size !== undefined && !(Number.isSafeInteger(c.size) && c.size >= 0)) throw new RangeError('size must be a byte count.');
  if (c.minimumChromeVersion !== undefined && !isChromiumVersion(c.minimumChromeVersion)) throw new RangeError('minimumChromeVersion is not a Chromium version.');
}

function renderApp({ appId, update }: GupdateAnswer): string {
  if (!isExtensionId(appId)) throw new RangeError(`"${appId}" is not an extension id.`);
  let check = attribute('status', update === undefined ? 'noupdate' : 'ok');
  if (update !== undefined) {
    checkCandidate(update);
    check += attribute('codebase', update.codebase) + attribute('version', update.version);
    if (update.minimumChromeVersion !== undefined) check += attribute('prodversionmin', update.minimumChromeVersion);
    check += attribute('hash_sha256', update.sha256);
    if (update.size !== undefined) check += attribute('size', String(update.size));
  }
  return `  <app${attribute('appid', appId)} status="ok">\n    <updatecheck${check}/>\n  </app>\n`;
}

/** Served as text/xml; UTF-8 (every value is ASCII unless a codebase URL is not). */
export function renderGupdateResponse(answers: readonly GupdateAnswer[]): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<gupdate xmlns="http://www.google.com/update2/response" protocol="2.0">\n' +
    answers.map(renderApp).join('') +
    '</gupdate>\n'
  );
}
