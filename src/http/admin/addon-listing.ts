import type { AddonRecord } from '../../catalog/addon-record.ts';
import type { AddonSummary } from '../../storage/catalog-store.ts';
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

/** The catalog as the dashboard uses it: its index of summaries, never every record. */
export interface ListableCatalog {
  summaries(): Promise<AddonSummary[]>;
}

/**
 * The dashboard's one query: add-ons whose id or name contains `q` (any case), most recently
 * changed first, one page of them. It reads the catalog's summaries (one index file), not its
 * records: with 100 000 add-ons a page would otherwise read 100 000 files. Rows are built for the
 * page shown, not for every match.
 */
export async function addonListing(catalog: ListableCatalog, q: string, page: number): Promise<PageOf<AddonRow>> {
  const needle = q.trim().toLowerCase();
  const matches = (await catalog.summaries()).filter((a) => !needle || a.id.toLowerCase().includes(needle) || a.name.toLowerCase().includes(needle));
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
      ...(a.latestVersion ? { latest: a.latestVersion } : {}),
      private: a.private === true,
    })),
  };
}
