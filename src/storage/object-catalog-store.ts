import type { AddonRecord } from '../catalog/addon-record.ts';
import { isAddonRecord, summarizeAddon, type AddonSummary, type CatalogLoadProblem } from './catalog-store.ts';
import { dataKeys } from './data-keys.ts';
import { JsonRecordStore } from './json-record-store.ts';
import type { ObjectStore } from './objects/object-store.ts';

/**
 * The add-on catalog in an object store without a local index (a bucket shared by instances):
 * every record is read at start and kept in memory, so a start costs one GET per add-on and memory
 * grows with the catalog, where the folder's CatalogStore reads records on demand from an index
 * log. Writes are conditional like every JSON record (json-record-store.ts).
 */
export class ObjectCatalogStore extends JsonRecordStore<AddonRecord> {
  static async open(objects: ObjectStore): Promise<{ catalog: ObjectCatalogStore; problems: CatalogLoadProblem[] }> {
    const catalog = new ObjectCatalogStore(objects, dataKeys.addonRecords);
    return { catalog, problems: await catalog.loadAll(isAddonRecord) };
  }

  /** As CatalogStore.load: records are in memory here, so this never waits. */
  load(id: string): Promise<AddonRecord | undefined> {
    return Promise.resolve(this.get(id));
  }

  revision(id: string): number | undefined {
    return this.get(id)?.revision;
  }

  revisionList(): { id: string; revision: number }[] {
    return this.list().map((r) => ({ id: r.id, revision: r.revision }));
  }

  async summaries(): Promise<AddonSummary[]> {
    return this.list().map(summarizeAddon);
  }
}
