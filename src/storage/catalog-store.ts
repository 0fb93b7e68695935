import type { AddonRecord } from '../catalog/addon-record.ts';
import type { DataLayout } from './data-layout.ts';
import { JsonRecordStore, type RecordLoadProblem } from './json-record-store.ts';

export type CatalogLoadProblem = RecordLoadProblem;

function isAddonRecord(value: unknown): value is AddonRecord {
  const r = value as AddonRecord;
  return typeof r?.id === 'string' && Array.isArray(r.versions) && typeof r.publisherKey === 'string';
}

/** The add-on catalog: private/addons/<id>.json. */
export class CatalogStore extends JsonRecordStore<AddonRecord> {
  static async open(layout: DataLayout): Promise<{ catalog: CatalogStore; problems: CatalogLoadProblem[] }> {
    const catalog = new CatalogStore(layout.addonsDir);
    return { catalog, problems: catalog.load(isAddonRecord) };
  }
}
