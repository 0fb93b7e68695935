import { dataKeys } from './data-keys.ts';
import type { ObjectStore } from './objects/object-store.ts';
import { JsonRecordStore, type RecordLoadProblem } from './json-record-store.ts';

/** One published package of a Chromium extension, served at public/files/<id>/<file>. */
export interface ChromiumVersion {
  version: string;
  name: string;
  file: string;
  /** Of the served .crx (what gupdate's hash_sha256 names). */
  size: number;
  sha256: string;
  minimumChromeVersion?: string;
  /** `upload`: the publisher sent a CRX; `server`: Outpost packed a ZIP with the publisher key. */
  packedBy: 'upload' | 'server';
  /** The package's icon, copied to public/icons/<id>/<file> for the public catalog (typed by its bytes). */
  icon?: { file: string; contentType: string };
  publishedAt: string;
  /** Set while withdrawn: out of every update answer, the file aside in private/withdrawn. */
  withdrawnAt?: string;
}

export interface ChromiumRecord {
  /** The extension id: a hash of the developer key, so one key per id for ever. */
  id: string;
  /** The Outpost key whose tokens may publish this id (the first publisher's). */
  publisherKey: string;
  /** base64 SPKI DER of the developer key that signs every package. */
  developerKey: string;
  createdAt: string;
  updatedAt: string;
  /** Counts changes; the audit entry of a publish carries it. */
  revision: number;
  /**
   * Served only through feeds: its packages in private/feed-files/<id>/, its icons in
   * private/feed-icons/<id>/, no static updates.xml, and every public answer as for an unknown id.
   */
  private?: true;
  versions: ChromiumVersion[];
}

function isChromiumRecord(value: unknown): value is ChromiumRecord {
  const r = value as ChromiumRecord;
  return (
    typeof r?.id === 'string' && typeof r.publisherKey === 'string' && typeof r.developerKey === 'string' && typeof r.revision === 'number' &&
    Array.isArray(r.versions) && r.versions.every((v) => typeof v?.version === 'string' && typeof v.file === 'string' && typeof v.sha256 === 'string')
  );
}

/** Published Chromium extensions: private/chromium/<id>.json (gupdate answers come from these). */
export class ChromiumStore extends JsonRecordStore<ChromiumRecord> {
  static async open(objects: ObjectStore): Promise<{ chromium: ChromiumStore; problems: RecordLoadProblem[] }> {
    const chromium = new ChromiumStore(objects, dataKeys.chromiumRecords);
    return { chromium, problems: await chromium.loadAll(isChromiumRecord) };
  }
}
