import { CATALOG_TYPES, type CatalogEntry, type CatalogType } from './public-entries.ts';

/**
 * The public catalog's query string, parsed once: a search text, three filters and a page. Every
 * value is checked for shape and length here, so a hostile query is a 400 page, never a 5xx; a
 * well-formed filter value nothing has simply matches nothing.
 */
export interface CatalogQuery {
  q: string;
  application: string;
  platform: string;
  type: CatalogType | '';
  page: number;
}

export type QueryParse = { ok: true; query: CatalogQuery } | { ok: false; message: string; query: CatalogQuery };

export const MAX_SEARCH_LENGTH = 100;
/** Application ids ({guid} or name@domain), the other kinds' names, platforms and ABIs. */
const FACET_VALUE = /^[A-Za-z0-9@._{}+-]{1,100}$/;
const PAGE = /^[1-9][0-9]{0,5}$/;

export function parseCatalogQuery(raw: Record<string, unknown>): QueryParse {
  const query: CatalogQuery = { q: '', application: '', platform: '', type: '', page: 1 };
  const problems: string[] = [];
  const text = (name: string): string => {
    const value = raw[name];
    if (value === undefined) return '';
    if (typeof value !== 'string') {
      problems.push(`"${name}" may be given once.`);
      return '';
    }
    return value;
  };
  const q = text('q').trim();
  if (q.length > MAX_SEARCH_LENGTH) problems.push(`The search text is longer than ${MAX_SEARCH_LENGTH} characters.`);
  else query.q = q;
  for (const name of ['application', 'platform'] as const) {
    const value = text(name);
    if (value !== '' && !FACET_VALUE.test(value)) problems.push(`"${name}" must be letters, digits and @ . _ { } + - (at most 100).`);
    else query[name] = value;
  }
  const type = text('type');
  if (type !== '' && !Object.hasOwn(CATALOG_TYPES, type)) problems.push(`"type" must be one of ${Object.keys(CATALOG_TYPES).join(', ')}.`);
  else query.type = type as CatalogType | '';
  const page = text('page');
  if (page !== '' && !PAGE.test(page)) problems.push('"page" must be a page number.');
  else if (page !== '') query.page = Number(page);
  return problems.length ? { ok: false, message: problems.join(' '), query } : { ok: true, query };
}

/** Whether an entry passes the search and filters (case-insensitive substring of id, name, description). */
export function entryMatcher(query: CatalogQuery): (e: CatalogEntry) => boolean {
  const needle = query.q.toLowerCase();
  return (e) =>
    (!needle || e.haystack.includes(needle)) &&
    (!query.application || e.applications.includes(query.application)) &&
    (!query.platform || e.platforms.includes(query.platform)) &&
    (!query.type || e.type === query.type);
}

/** The query as URL parameters (empty ones left out), for links that keep the filters. */
export function queryParams(query: CatalogQuery): Record<string, string> {
  return { q: query.q, application: query.application, platform: query.platform, type: query.type };
}

export const byListingOrder = (a: CatalogEntry, b: CatalogEntry): number => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0);

/** What the filter form offers: every value some entry has, in a stable order. */
export function facetValues(entries: Iterable<CatalogEntry>): { applications: string[]; platforms: string[]; types: CatalogType[] } {
  const applications = new Set<string>();
  const platforms = new Set<string>();
  const types = new Set<CatalogType>();
  for (const e of entries) {
    for (const a of e.applications) applications.add(a);
    for (const p of e.platforms) platforms.add(p);
    types.add(e.type);
  }
  return {
    applications: [...applications].sort(),
    platforms: [...platforms].sort((a, b) => a.localeCompare(b)),
    types: (Object.keys(CATALOG_TYPES) as CatalogType[]).filter((t) => types.has(t)),
  };
}
