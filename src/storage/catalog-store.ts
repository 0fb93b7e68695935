import path from 'node:path';
import { activeVersions, targetedApps, type AddonRecord } from '../catalog/addon-record.ts';
import type { ByteLru } from '../cache/byte-lru.ts';
import type { DataLayout } from './data-layout.ts';
import { IndexedRecordStore } from './indexed-record-store.ts';
import type { RecordLoadProblem } from './json-record-store.ts';

export type CatalogLoadProblem = RecordLoadProblem;

/** What listings show of an add-on, from the catalog index (the full record is read on demand). */
export interface AddonSummary {
  id: string;
  type: AddonRecord['type'];
  name: string;
  publisherKey: string;
  createdAt: string;
  updatedAt: string;
  revision: number;
  /** Newest active version, if any. */
  latestVersion?: string;
  /** Active versions. */
  versionCount: number;
  /** Application ids some active version targets (the public catalog's application filter). */
  applications: string[];
  /** em:targetPlatform values of active versions; empty when every package is for every platform. */
  platforms: string[];
  /** Some active package is for every platform (no em:targetPlatform), beside those in `platforms`. */
  anyPlatform: boolean;
  /** The newest active version has release notes (hosted, or an updateInfoURL). */
  latestNotes: boolean;
  /** The newest active version's, cut to SUMMARY_DESCRIPTION_CHARS: listings show a line or two. */
  description?: string;
  author?: string;
  /** The newest active version's icon file (dataKeys.icon), if its package had a usable one. */
  icon?: string;
  /** Feeds only (AddonRecord.private): the public catalog leaves it out. */
  private?: true;
}

/** Summaries stay in memory for the public catalog: a short description costs 10 000 times. */
export const SUMMARY_DESCRIPTION_CHARS = 240;

export function isAddonRecord(value: unknown): value is AddonRecord {
  const r = value as AddonRecord;
  return typeof r?.id === 'string' && Array.isArray(r.versions) && typeof r.publisherKey === 'string';
}

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/**
 * Lines written before the catalog facets existed lack them and are refused here: the index log
 * then counts as damaged and the store re-reads those records once and rewrites it (openIndex),
 * so an upgrade never serves a summary with a facet silently missing.
 */
export function isAddonSummary(value: unknown): value is AddonSummary {
  const s = value as AddonSummary;
  return (
    typeof s?.id === 'string' && typeof s.revision === 'number' && typeof s.publisherKey === 'string' && typeof s.versionCount === 'number' &&
    isStrings(s.applications) && isStrings(s.platforms) && typeof s.anyPlatform === 'boolean' && typeof s.latestNotes === 'boolean' &&
    (s.description === undefined || typeof s.description === 'string') && (s.author === undefined || typeof s.author === 'string') &&
    (s.icon === undefined || typeof s.icon === 'string')
  );
}

const clipped = (text: string) => (text.length > SUMMARY_DESCRIPTION_CHARS ? `${text.slice(0, SUMMARY_DESCRIPTION_CHARS - 1)}…` : text);

export function summarizeAddon(record: AddonRecord): AddonSummary {
  const active = activeVersions(record);
  return {
    id: record.id,
    type: record.type,
    name: record.name,
    publisherKey: record.publisherKey,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    revision: record.revision,
    ...(active[0] ? { latestVersion: active[0].version } : {}),
    versionCount: active.length,
    applications: targetedApps(record),
    platforms: [...new Set(active.flatMap((v) => v.targetPlatforms))].sort(),
    anyPlatform: active.some((v) => v.targetPlatforms.length === 0),
    latestNotes: Boolean(active[0] && (active[0].notes || active[0].updateInfoURL)),
    ...(active[0]?.description ? { description: clipped(active[0].description) } : {}),
    ...(active[0]?.author ? { author: active[0].author } : {}),
    ...(active[0]?.icon ? { icon: active[0].icon.file } : {}),
    ...(record.private ? { private: true as const } : {}),
  };
}

/** The add-on catalog: private/addons/<id>.json, indexed by private/addons.index. */
export class CatalogStore extends IndexedRecordStore<AddonRecord, AddonSummary> {
  static async open(layout: DataLayout, options: { cache?: ByteLru } = {}): Promise<{ catalog: CatalogStore; problems: CatalogLoadProblem[] }> {
    const catalog = new CatalogStore({
      dir: layout.addonsDir,
      indexFile: path.join(path.dirname(layout.addonsDir), `${path.basename(layout.addonsDir)}.index`),
      isRecord: isAddonRecord,
      isSummary: isAddonSummary,
      summarize: summarizeAddon,
      revisionOf: (item) => item.revision,
      ...(options.cache ? { cache: options.cache } : {}),
      cachePrefix: 'addon:',
    });
    return { catalog, problems: await catalog.openIndex() };
  }
}
