import { targetedApps, updateJsonUrl, type AddonRecord, type VersionRecord } from '../../catalog/addon-record.ts';
import { APP } from '../../manifest/update-selection.ts';

/**
 * What an author pastes into an add-on, in the forms README "Choosing the update URL" gives. The
 * placeholders are the ones Firefox, Thunderbird, SeaMonkey and Pale Moon substitute in em:updateURL.
 */
export function adaptiveUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/updates/${encodeURIComponent(id)}?reqVersion=%REQ_VERSION%&id=%ITEM_ID%&version=%ITEM_VERSION%&appID=%APP_ID%&appVersion=%APP_VERSION%&appOS=%APP_OS%&appABI=%APP_ABI%&compatMode=%COMPATIBILITY_MODE%`;
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function installRdfSnippet(publicUrl: string, id: string, updateKey: string | undefined): string {
  const key = updateKey ?? '(the publisher key is missing: outpost key show)';
  return `<em:updateURL>${xmlText(adaptiveUrl(publicUrl, id))}</em:updateURL>\n<em:updateKey>${key}</em:updateKey>`;
}

/** Thunderbird reads only its own ranges, so a Thunderbird-only WebExtension names its own update.json. */
export function webExtensionUpdateUrl(publicUrl: string, record: AddonRecord): string {
  const apps = targetedApps(record);
  const thunderbirdOnly = apps.includes(APP.thunderbird) && !apps.includes(APP.firefox) && !apps.includes(APP.firefoxAndroid);
  return thunderbirdOnly ? `${publicUrl}/updates/${encodeURIComponent(record.id)}/${APP.thunderbird}/update.json` : updateJsonUrl(publicUrl, record.id);
}

export function manifestJsonSnippet(publicUrl: string, record: AddonRecord): string {
  const gecko = { browser_specific_settings: { gecko: { id: record.id, update_url: webExtensionUpdateUrl(publicUrl, record) } } };
  // The inner object only: it is pasted into an existing manifest.json.
  return JSON.stringify(gecko, null, 2).slice(2, -2).replace(/^ {2}/gm, '');
}

export interface NotesLink {
  label: string;
  href: string;
}

/**
 * Links a person can open for a version's release notes. The manifests say %APP_LOCALE%, which only
 * the client fills in, so the page links real locales: each hosted locale (the default one at the
 * URL without a locale), or en-US for notes hosted elsewhere.
 */
export function releaseNotesLinks(v: Pick<VersionRecord, 'updateInfoURL' | 'notes'>): NotesLink[] {
  const url = v.updateInfoURL;
  if (!url) return [];
  if (!url.includes('%APP_LOCALE%')) return [{ label: url, href: url }];
  if (v.notes && url.endsWith('/%APP_LOCALE%')) {
    const base = url.slice(0, -'/%APP_LOCALE%'.length);
    return Object.keys(v.notes)
      .sort()
      .map((locale) => (locale === '' ? { label: 'default', href: base } : { label: locale, href: `${base}/${encodeURIComponent(locale)}` }));
  }
  return [{ label: 'en-US', href: url.replaceAll('%APP_LOCALE%', 'en-US') }];
}
