import { addonEntry, chromiumEntry, jamiEntry, vpnEntry, type CatalogEntry } from '../catalog/public-entries.ts';
import { byListingOrder, entryMatcher, facetValues, type CatalogQuery } from '../catalog/public-query.ts';
import type { AddonCatalog } from '../storage/addon-catalog.ts';
import { summarizeAddon } from '../storage/catalog-store.ts';
import type { ChromiumRecord, ChromiumStore, ChromiumVersion } from '../storage/chromium-store.ts';
import type { PluginStore } from '../storage/plugin-store.ts';
import type { VpnStore } from '../storage/vpn-store.ts';

export interface PublicCatalogSources {
  catalog: AddonCatalog;
  /** The public ones only (a private plugin is left out by the caller's view). */
  plugins: Pick<PluginStore, 'list'>;
  /** The public ones only, as for plugins. */
  chromium: Pick<ChromiumStore, 'list'>;
  /** The newest Chromium version still offered (the admin's display order decides). */
  chromiumNewest(record: ChromiumRecord): ChromiumVersion | undefined;
  /** The production index's add-ons (none while it is private): other channels are for testing and stay out. */
  vpn: Pick<VpnStore, 'list'>;
  jamiPrefix: string;
}

export interface CatalogListing {
  /** Every match, in listing order: the caller pages it (rows are already built). */
  matches: CatalogEntry[];
  /** All entries the catalog has (the size of the unfiltered catalog). */
  total: number;
  facets: ReturnType<typeof facetValues>;
}

/**
 * The public catalog's one query. XPI add-ons, the only kind that may number in the tens of
 * thousands, come from the catalog index's summaries, read once and then kept current from the
 * store's change events (a record is summarised again, never the whole index re-read); the other
 * stores keep their records in memory anyway and are small. A request filters in memory and sorts
 * only what matched, so a page costs the scan, never a disk read per add-on.
 */
export class PublicCatalog {
  private addons?: Map<string, CatalogEntry>;
  private loading?: Promise<Map<string, CatalogEntry>>;
  /** Ids changed while the summaries were being read: summarised again once they are in. */
  private readonly changedWhileLoading = new Set<string>();
  private sortedAddons?: CatalogEntry[];

  constructor(private readonly sources: PublicCatalogSources) {
    sources.catalog.onChange((id) => {
      if (this.addons) this.refresh(this.addons, id);
      else this.changedWhileLoading.add(id);
    });
  }

  private refresh(map: Map<string, CatalogEntry>, id: string): void {
    const record = this.sources.catalog.get(id);
    const entry = record ? addonEntry(summarizeAddon(record)) : undefined;
    if (entry) map.set(id, entry);
    else map.delete(id);
    this.sortedAddons = undefined;
  }

  private load(): Promise<Map<string, CatalogEntry>> {
    if (this.addons) return Promise.resolve(this.addons);
    this.loading ??= this.sources.catalog.summaries().then(
      (summaries) => {
        const map = new Map<string, CatalogEntry>();
        for (const s of summaries) {
          const entry = addonEntry(s);
          if (entry) map.set(s.id, entry);
        }
        for (const id of this.changedWhileLoading) this.refresh(map, id);
        this.changedWhileLoading.clear();
        this.addons = map;
        return map;
      },
      (err: unknown) => {
        // Tried again by the next request rather than remembered as failed.
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  private async addonsInOrder(): Promise<CatalogEntry[]> {
    const map = await this.load();
    this.sortedAddons ??= [...map.values()].sort(byListingOrder);
    return this.sortedAddons;
  }

  /** The other kinds, localised for this request (Jami names come from the plugin's locale files). */
  private others(acceptLanguage: string | undefined): CatalogEntry[] {
    const { plugins, chromium, vpn, jamiPrefix, chromiumNewest } = this.sources;
    return [
      ...plugins.list().map((r) => jamiEntry(r, acceptLanguage, jamiPrefix)),
      ...chromium.list().map((r) => chromiumEntry(r, chromiumNewest(r))),
      ...vpn.list().map(vpnEntry),
    ].filter((e): e is CatalogEntry => e !== undefined).sort(byListingOrder);
  }

  async list(query: CatalogQuery, acceptLanguage: string | undefined): Promise<CatalogListing> {
    const addons = await this.addonsInOrder();
    const others = this.others(acceptLanguage);
    const matches = mergeSorted(addons.filter(entryMatcher(query)), others.filter(entryMatcher(query)));
    return { matches, total: addons.length + others.length, facets: facetValues([...addons, ...others]) };
  }
}

/** Two lists in listing order as one: linear, so the long XPI list is never sorted per request. */
function mergeSorted(a: CatalogEntry[], b: CatalogEntry[]): CatalogEntry[] {
  if (b.length === 0) return a;
  const out: CatalogEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(byListingOrder(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
