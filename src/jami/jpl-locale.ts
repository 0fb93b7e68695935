import { NAMES } from '../limits.ts';
import { JamiError } from './jami-errors.ts';

/**
 * `{{key}}` placeholders in a plugin's manifest strings, filled from
 * `data/locale/<id>_<lang>.json`. The store resolves them per request from Accept-Language, the
 * way a client would for its own UI language.
 */

/** Locale files by language as named in the file (`en`, `fr`, `fr_CA`, ...): key → text. */
export type JplLocales = Readonly<Record<string, Readonly<Record<string, string>>>>;

const FALLBACK = 'en';
const LANG_PATTERN = /^[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*$/;

/** Languages become object keys in the store record: letters and digits joined by "_" or "-" only. */
export function isLocaleLanguage(lang: string): boolean {
  return lang.length <= NAMES.maxLocaleLength && LANG_PATTERN.test(lang);
}

/** Parses one locale file: a JSON object; entries whose values are not strings are ignored. */
export function parseLocaleFile(bytes: Buffer, entryName: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new JamiError('JPL_LOCALE_INVALID', `${entryName} is not valid UTF-8 JSON. Fix its syntax.`, { cause: err });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new JamiError('JPL_LOCALE_INVALID', `${entryName} must be a JSON object of "key": "text" pairs.`);
  }
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(json)) if (typeof value === 'string') out[key] = value;
  return out;
}

/** Language ranges of an Accept-Language header, best first; `*` and q=0 are dropped. */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  const ranges: { tag: string; q: number; index: number }[] = [];
  header.split(',').forEach((part, index) => {
    const [tag = '', ...params] = part.trim().split(';').map((s) => s.trim());
    let q = 1;
    for (const param of params) {
      const m = /^q=([01](?:\.\d{0,3})?)$/i.exec(param);
      if (m) q = Number(m[1]);
      else if (/^q=/i.test(param)) q = -1; // malformed weight: ignore the range
    }
    if (tag && tag !== '*' && q > 0 && q <= 1 && /^[A-Za-z0-9-]+$/.test(tag)) ranges.push({ tag, q, index });
  });
  // Stable: equal weights keep the order the client sent them in.
  return ranges.sort((a, b) => b.q - a.q || a.index - b.index).map((r) => r.tag);
}

/**
 * The locales to read, best first: for each range the client accepts, the most specific file first
 * (`fr-CA` → `fr_CA`, then `fr`), matched case-insensitively; then `en`.
 */
export function localeChain(available: Iterable<string>, acceptLanguage: string | undefined): string[] {
  const byLower = new Map<string, string>();
  for (const lang of available) byLower.set(lang.toLowerCase().replace(/-/g, '_'), lang);
  const chain: string[] = [];
  const add = (key: string): void => {
    const found = byLower.get(key);
    if (found !== undefined && !chain.includes(found)) chain.push(found);
  };
  for (const tag of parseAcceptLanguage(acceptLanguage)) {
    const parts = tag.toLowerCase().split('-');
    for (let n = parts.length; n > 0; n--) add(parts.slice(0, n).join('_'));
  }
  add(FALLBACK);
  return chain;
}

/** The locale a client would pick, or undefined when neither a requested language nor `en` exists. */
export function chooseLocale(available: Iterable<string>, acceptLanguage: string | undefined): string | undefined {
  return localeChain(available, acceptLanguage)[0];
}

/**
 * Fills `{{key}}` placeholders. Each key comes from the first locale of localeChain that has it
 * (so a key missing from `fr_CA` comes from `fr`, then `en`); a key no file has becomes "", as
 * clients show it.
 */
export function resolvePlaceholders(text: string, locales: JplLocales, acceptLanguage: string | undefined): string {
  if (!text.includes('{{')) return text;
  const tables = localeChain(Object.keys(locales), acceptLanguage).map((lang) => locales[lang]!);
  return text.replace(/\{\{([^{}]*)\}\}/g, (_, raw: string) => {
    const key = raw.trim();
    const table = tables.find((t) => Object.prototype.hasOwnProperty.call(t, key));
    return table ? table[key]! : '';
  });
}

/** The manifest's display strings for one request. */
export function localizeManifest(
  manifest: { readonly name: string; readonly description: string },
  locales: JplLocales,
  acceptLanguage: string | undefined,
): { name: string; description: string } {
  return {
    name: resolvePlaceholders(manifest.name, locales, acceptLanguage),
    description: resolvePlaceholders(manifest.description, locales, acceptLanguage),
  };
}
