import type { AddonResourceType } from '../manifest/addon-roots.ts';
import type { AddonUpdates } from '../manifest/update-rdf.ts';
import type { Candidate, Selected } from '../manifest/update-selection.ts';
import { sortNewestFirst } from '../version/toolkit-version.ts';

/** What Outpost remembers about one published package (one version may have several, per platform). */
export interface VersionRecord {
  version: string;
  format: 'install.rdf' | 'webextension';
  name: string;
  targets: { appId: string; minVersion: string; maxVersion: string }[];
  /** em:targetPlatform values; empty = one file for every platform. */
  targetPlatforms: string[];
  /** File name under public/files/<id>/. */
  file: string;
  size: number;
  sha256: string;
  /** Only computed when OUTPOST_UPDATE_HASH=sha512. */
  sha512?: string;
  updateInfoURL?: string;
  /** Release notes Outpost hosts itself, by locale ('' = any other locale). */
  notes?: Record<string, string>;
  /** From the package, for the public catalog (absent in records written before it read them). */
  description?: string;
  author?: string;
  /** The package's icon, copied to public/icons/<id>/<file> for the public catalog (typed by its bytes). */
  icon?: { file: string; contentType: string };
  publishedAt: string;
  withdrawnAt?: string;
}

export interface AddonRecord {
  id: string;
  type: AddonResourceType;
  name: string;
  /** The publisher key whose token first published the add-on; only it may publish more. */
  publisherKey: string;
  createdAt: string;
  updatedAt: string;
  /** Increases with every change; the served manifest remembers which revision it shows. */
  revision: number;
  versions: VersionRecord[];
  /** What produced this revision, kept so recovery can write its audit entry after a crash. */
  lastChange?: ChangeSummary;
  /**
   * Reachable only through feeds (/feeds/<token>/…): no public document, its packages outside
   * public/, absent from the catalog and public collections. Absent = public.
   */
  private?: true;
}

export interface ChangeSummary {
  action: 'publish' | 'withdraw' | 'restore' | 'edit-range' | 'visibility';
  /** `token:<id>`, `admin:<name>`. */
  actor: string;
  ip?: string;
  details: Record<string, unknown>;
}

/**
 * The one visibility decision: whether anything public (documents, files, catalog, public
 * collections, adaptive answers, release notes) may show this add-on. Feeds ignore it.
 */
export function isPublic(record: Pick<AddonRecord, 'private'>): boolean {
  return record.private !== true;
}

export function activeVersions(record: AddonRecord): VersionRecord[] {
  return sortNewestFirst(record.versions.filter((v) => !v.withdrawnAt), (v) => v.version);
}

/** Same version, same platforms: the identity that makes a published package immutable. */
export function platformKey(targetPlatforms: readonly string[]): string {
  return [...targetPlatforms].sort().join(',');
}

/** Links are percent-encoded: ids carry `{ } @`, and every signed value must be ASCII. */
export function fileUrl(publicUrl: string, id: string, file: string): string {
  return `${publicUrl}/files/${encodeURIComponent(id)}/${encodeURIComponent(file)}`;
}

export function manifestUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/updates/${encodeURIComponent(id)}/update.rdf`;
}

/** The update.json a WebExtension names in browser_specific_settings.gecko.update_url. */
export function updateJsonUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/updates/${encodeURIComponent(id)}/update.json`;
}

export type HashAlgorithm = 'sha256' | 'sha512';

export function updateHashOf(v: VersionRecord, algorithm: HashAlgorithm = 'sha256'): string {
  return algorithm === 'sha512' && v.sha512 ? `sha512:${v.sha512}` : `sha256:${v.sha256}`;
}

export function candidates(record: AddonRecord): Candidate<VersionRecord>[] {
  return activeVersions(record).map((v) => ({ version: v.version, targets: v.targets, targetPlatforms: v.targetPlatforms, item: v }));
}

/** Every application some active version targets. */
export function targetedApps(record: AddonRecord): string[] {
  return [...new Set(activeVersions(record).flatMap((v) => v.targets.map((t) => t.appId)))].sort();
}

/**
 * The add-on's main update.rdf: every active version with all its target applications. It can
 * name only one file per version, so only platform-neutral packages appear in it; clients get
 * platform-specific packages from the per-platform documents and the dynamic update URL.
 */
export function toUpdateModel(record: AddonRecord, publicUrl: string, hash: HashAlgorithm = 'sha256'): AddonUpdates {
  return {
    id: record.id,
    type: record.type,
    entries: activeVersions(record)
      .filter((v) => v.targetPlatforms.length === 0)
      .map((v) => ({
        version: v.version,
        targets: v.targets.map((t) => ({
          appId: t.appId,
          minVersion: t.minVersion,
          maxVersion: t.maxVersion,
          updateLink: fileUrl(publicUrl, record.id, v.file),
          updateHash: updateHashOf(v, hash),
          ...(v.updateInfoURL ? { updateInfoURL: v.updateInfoURL } : {}),
        })),
      })),
  };
}

/** The update.rdf model for what one client was selected to see (one application). */
export function selectedUpdateModel(record: AddonRecord, selected: readonly Selected<VersionRecord>[], publicUrl: string, hash: HashAlgorithm = 'sha256'): AddonUpdates {
  return {
    id: record.id,
    type: record.type,
    entries: selected.map(({ version, target, item }) => ({
      version,
      targets: [
        {
          appId: target.appId,
          minVersion: target.minVersion,
          maxVersion: target.maxVersion,
          updateLink: fileUrl(publicUrl, record.id, item.file),
          updateHash: updateHashOf(item, hash),
          ...(item.updateInfoURL ? { updateInfoURL: item.updateInfoURL } : {}),
        },
      ],
    })),
  };
}

/** A file name that says what it is and cannot collide between versions or platforms. */
export function packageFileName(id: string, version: string, extension: string, targetPlatforms: readonly string[] = []): string {
  const base = id.replace(/^\{|\}$/g, '').replace(/[^A-Za-z0-9._@+-]/g, '_');
  const platforms = targetPlatforms.length ? `-${[...targetPlatforms].sort().join('+').replace(/[^A-Za-z0-9._+-]/g, '_')}` : '';
  return `${base}-${version}${platforms}.${extension}`;
}

/** Where Outpost serves a version's hosted notes; clients replace %APP_LOCALE% themselves. */
export function notesUrl(publicUrl: string, id: string, version: string): string {
  return `${publicUrl}/notes/${encodeURIComponent(id)}/${encodeURIComponent(version)}/%APP_LOCALE%`;
}
