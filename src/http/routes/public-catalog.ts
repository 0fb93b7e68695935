import { Router, type Response } from 'express';
import type { PublicCatalog } from '../../app/public-catalog.ts';
import { activeVersions, type AddonRecord } from '../../catalog/addon-record.ts';
import { CACHE_ICONS, IMAGE_CSP } from '../../catalog/served-headers.ts';
import { applicationLabel, CATALOG_TYPES, platformText, type CatalogEntry, type CatalogKind } from '../../catalog/public-entries.ts';
import { MAX_SEARCH_LENGTH, parseCatalogQuery, queryParams } from '../../catalog/public-query.ts';
import type { PluginRecord } from '../../jami-store/plugin-record.ts';
import { dataKeys } from '../../storage/data-keys.ts';
import type { PublicSender } from '../public-objects.ts';
import type { ChromiumRecord } from '../../storage/chromium-store.ts';
import type { VpnRecord } from '../../storage/vpn-store.ts';
import { ApiError } from '../api-error.ts';
import { addonPage, chromiumPage, jamiPage, vpnPage, type CatalogPage, type DetailSources } from '../catalog-detail.ts';
import { memberKindLabel } from '../collection-view.ts';
import { pageOf, pagerLinks } from '../admin/paging.ts';
import { renderPublicPage } from '../admin/views.ts';
import { jamiDownload } from './jami-store.ts';

export interface PublicCatalogDeps {
  catalog: PublicCatalog;
  addon(id: string): AddonRecord | undefined;
  jami(id: string): PluginRecord | undefined;
  chromium(id: string): ChromiumRecord | undefined;
  /** The production index's add-on (the only VPN channel the catalog lists). */
  vpn(id: string): VpnRecord | undefined;
  /** Sends a plugin's package (from the data folder or the bucket). */
  send: PublicSender;
  detail: Omit<DetailSources, 'acceptLanguage'>;
}

/** Page size of the listing: one page renders in the same time for 50 or 10 000 add-ons. */
export const CATALOG_PAGE_SIZE = 50;

const pagePath = (kind: CatalogKind, id: string) => `/catalog/${kind}/${encodeURIComponent(id)}`;

/** What a row shows: the entry with its labels and its page's path. */
function row(e: CatalogEntry) {
  return { ...e, href: pagePath(e.kind, e.id), typeLabel: CATALOG_TYPES[e.type], kindLabel: memberKindLabel(e.kind), applicationLabels: e.applications.map(applicationLabel).sort(), platformText: platformText(e) };
}

/** Names come localised from Jami plugins' locale files, so shared caches keep one copy per language. */
function localised(res: Response): void {
  res.set('Vary', 'Accept-Language');
}

/**
 * The public catalog (README "Public catalog"): `GET /catalog` lists every add-on and plugin with
 * something offered, with search, filters and pages; `GET /catalog/<kind>/<id>` is one add-on's
 * page with every version still offered and its downloads; `GET /catalog/icons/<id>/<file>` an
 * offered XPI's or Chromium extension's icon. Mounted only when OUTPOST_CATALOG is on.
 */
export function publicCatalogRoutes(deps: PublicCatalogDeps): Router {
  const router = Router();

  router.get('/catalog', async (req, res) => {
    const parsed = parseCatalogQuery(req.query as Record<string, unknown>);
    const listing = await deps.catalog.list(parsed.query, req.get('accept-language'));
    const shown = pageOf(parsed.ok ? listing.matches : [], parsed.query.page, CATALOG_PAGE_SIZE);
    localised(res);
    renderPublicPage(res, 'catalog', 'Catalog', {
      query: parsed.query,
      error: parsed.ok ? undefined : parsed.message,
      rows: shown.items.map(row),
      total: listing.total,
      maxSearch: MAX_SEARCH_LENGTH,
      facets: {
        applications: listing.facets.applications.map((value) => ({ value, label: applicationLabel(value) })).sort((a, b) => a.label.localeCompare(b.label)),
        platforms: listing.facets.platforms,
        types: listing.facets.types.map((value) => ({ value, label: CATALOG_TYPES[value] })),
      },
      pager: pagerLinks('/catalog', queryParams(parsed.query), shown),
    }, parsed.ok ? 200 : 400, { forms: true });
  });

  const pages: Record<CatalogKind, (id: string, s: DetailSources) => CatalogPage | undefined> = {
    addon: (id, s) => withRecord(deps.addon(id), (r) => addonPage(r, s)),
    jami: (id, s) => withRecord(deps.jami(id), (r) => jamiPage(r, s)),
    chromium: (id, s) => withRecord(deps.chromium(id), (r) => chromiumPage(r, s)),
    vpn: (id, s) => withRecord(deps.vpn(id), (r) => vpnPage(r, s)),
  };

  router.get('/catalog/:kind/:id', (req, res) => {
    const kind = String(req.params.kind);
    const id = String(req.params.id);
    const page = Object.hasOwn(pages, kind) ? pages[kind as CatalogKind](id, { ...deps.detail, acceptLanguage: req.get('accept-language') }) : undefined;
    // Withdrawn everywhere, never published, or a kind that does not exist: all the same to a visitor.
    if (!page) throw new ApiError('NOT_FOUND', `Nothing offered at /catalog/${kind}/${id}.`);
    localised(res);
    renderPublicPage(res, 'catalog-addon', page.entry.name, { ...page, row: row(page.entry) });
  });

  // An XPI's or Chromium extension's icon, only while its version is offered: a withdrawn version's is a 404 at once (and
  // its Cache-Control keeps it in caches an hour at most).
  router.get('/catalog/icons/:id/:file', (req, res, next) => {
    const id = String(req.params.id);
    const file = String(req.params.file);
    // XPI and Chromium ids never meet (a Chromium id is 32 letters a-p, an XPI's an email or a GUID).
    const record = deps.addon(id);
    const versions = record ? activeVersions(record) : (deps.chromium(id)?.versions ?? []).filter((v) => !v.withdrawnAt);
    const icon = versions.find((v) => v.icon?.file === file)?.icon;
    if (!icon) throw new ApiError('NOT_FOUND', `No icon ${file} of ${id} is offered.`);
    // Only raster types are stored (package/addon-icon.ts); should a browser ever open one as a
    // document anyway, it runs nothing.
    res.set('Content-Security-Policy', IMAGE_CSP);
    deps.send(req, res, next, dataKeys.icon(id, icon.file), { contentType: icon.contentType, cacheControl: CACHE_ICONS });
  });

  // Any version of a Jami plugin, not only the newest per ABI that the store's download route serves.
  router.get('/catalog/jami/:id/:version/download', (req, res, next) => {
    const id = String(req.params.id);
    const version = deps.jami(id)?.versions.find((v) => v.version === String(req.params.version));
    if (!version) throw new ApiError('NOT_FOUND', `No version ${String(req.params.version)} of the Jami plugin ${id}.`);
    deps.send(req, res, next, dataKeys.jamiFile(id, version.file), jamiDownload(id));
  });

  return router;
}

function withRecord<T>(record: T | undefined, page: (record: T) => CatalogPage | undefined): CatalogPage | undefined {
  return record ? page(record) : undefined;
}
