import type { AddonResourceType } from '../manifest/addon-roots.ts';
import type { AddonUpdates } from '../manifest/update-rdf.ts';
import { sortNewestFirst } from '../version/toolkit-version.ts';

/** What Outpost remembers about one published version. */
export interface VersionRecord {
  version: string;
  format: 'install.rdf' | 'webextension';
  name: string;
  targets: { appId: string; minVersion: string; maxVersion: string }[];
  targetPlatforms: string[];
  /** File name under public/files/<id>/. */
  file: string;
  size: number;
  sha256: string;
  updateInfoURL?: string;
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
}

export function activeVersions(record: AddonRecord): VersionRecord[] {
  return sortNewestFirst(record.versions.filter((v) => !v.withdrawnAt), (v) => v.version);
}

/** Links are percent-encoded: ids carry `{ } @`, and every signed value must be ASCII. */
export function fileUrl(publicUrl: string, id: string, file: string): string {
  return `${publicUrl}/files/${encodeURIComponent(id)}/${encodeURIComponent(file)}`;
}

export function manifestUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/updates/${encodeURIComponent(id)}/update.rdf`;
}

/** The update.rdf model for a record: every active version, each target with its link and hash. */
export function toUpdateModel(record: AddonRecord, publicUrl: string): AddonUpdates {
  return {
    id: record.id,
    type: record.type,
    entries: activeVersions(record).map((v) => ({
      version: v.version,
      targets: v.targets.map((t) => ({
        appId: t.appId,
        minVersion: t.minVersion,
        maxVersion: t.maxVersion,
        updateLink: fileUrl(publicUrl, record.id, v.file),
        updateHash: `sha256:${v.sha256}`,
        ...(v.updateInfoURL ? { updateInfoURL: v.updateInfoURL } : {}),
      })),
    })),
  };
}

/** A file name that says what it is and cannot collide between versions. */
export function packageFileName(id: string, version: string, extension: string): string {
  const base = id.replace(/^\{|\}$/g, '').replace(/[^A-Za-z0-9._@+-]/g, '_');
  return `${base}-${version}.${extension}`;
}
