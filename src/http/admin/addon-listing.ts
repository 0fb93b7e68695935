import { activeVersions, type AddonRecord } from '../../catalog/addon-record.ts';
import { pageOf, type PageOf } from './paging.ts';

/** What the dashboard shows per add-on. */
export interface AddonRow {
  id: string;
  name: string;
  type: AddonRecord['type'];
  publisherKey: string;
  updatedAt: string;
  latest?: string;
  /** Served only through feeds. */
  private: boolean;
}

/** The catalog as the dashboard uses it: the one method an index could later stand in for. */
export interface ListableCatalog {
  list(): AddonRecord[];
}

/**
 * The dashboard's one query: add-ons whose id or name contains `q` (any case), most recently
 * changed first, one page of them. Every listing decision lives here, so moving from a full scan
 * to an index changes this function only. Rows are built for the page shown, not for every match.
 */
export function addonListing(catalog: ListableCatalog, q: string, page: number): PageOf<AddonRow> {
  const needle = q.trim().toLowerCase();
  const matches = catalog.list().filter((a) => !needle || a.id.toLowerCase().includes(needle) || a.name.toLowerCase().includes(needle));
  // ISO timestamps sort as strings; the id breaks ties so pages never overlap.
  matches.sort((a, b) => (a.updatedAt === b.updatedAt ? a.id.localeCompare(b.id) : a.updatedAt < b.updatedAt ? 1 : -1));
  const shown = pageOf(matches, page);
  return {
    ...shown,
    items: shown.items.map((a) => ({
      id: a.id,
      name: a.name,
      type: a.type,
      publisherKey: a.publisherKey,
      updatedAt: a.updatedAt,
      latest: activeVersions(a)[0]?.version,
      private: a.private === true,
    })),
  };
}
