import type { ByteLru } from '../cache/byte-lru.ts';
import type { AddonRecord } from '../catalog/addon-record.ts';
import { CatalogMirror } from './catalog-mirror.ts';
import { isAddonRecord, type AddonSummary, type CatalogLoadProblem } from './catalog-store.ts';
import { dataKeys } from './data-keys.ts';
import { JsonRecordStore } from './json-record-store.ts';
import type { ObjectStore } from './objects/object-store.ts';

/**
 * The add-on catalog in a bucket shared by instances. Writes are conditional like every JSON
 * record (json-record-store.ts); what this instance has read is copied to its own data folder
 * (catalog-mirror.ts), so records are read on demand from there as the folder's CatalogStore reads
 * them, and a restart reads from the bucket only the records that changed meanwhile.
 */
export class ObjectCatalogStore extends JsonRecordStore<AddonRecord> {
  /** Copies being read again from the bucket because the local one could not be read. */
  private readonly healing = new Map<string, Promise<AddonRecord | undefined>>();

  private constructor(
    objects: ObjectStore,
    private readonly mirror: CatalogMirror,
  ) {
    super(objects, dataKeys.addonRecords, mirror);
    mirror.attach({ etagOf: (id) => this.heldEtag(id), unreadable: (id) => void this.heal(id).catch(() => undefined) });
  }

  private heal(id: string): Promise<AddonRecord | undefined> {
    let healed = this.healing.get(id);
    if (!healed) {
      healed = this.refresh(id).finally(() => this.healing.delete(id));
      this.healing.set(id, healed);
    }
    return healed;
  }

  /**
   * `dir`: where this instance keeps its copies (DataLayout.bucketCatalogDir); `source`: what
   * names the bucket beyond its location (the endpoint), so copies of another are dropped.
   */
  static async open(objects: ObjectStore, options: { dir: string; source?: string; cache?: ByteLru }): Promise<{ catalog: ObjectCatalogStore; problems: CatalogLoadProblem[] }> {
    const source = `${options.source ?? ''} ${objects.location}`.trim();
    const catalog = new ObjectCatalogStore(objects, await CatalogMirror.open(options.dir, source, options.cache));
    return { catalog, problems: await catalog.loadAll(isAddonRecord) };
  }

  /**
   * As CatalogStore.load: a copy on local disk, read synchronously like the folder's records; one
   * that cannot be read is read again from the bucket (get() returns it once that is done).
   */
  load(id: string): Promise<AddonRecord | undefined> {
    const record = this.get(id);
    return record || this.revision(id) === undefined ? Promise.resolve(record) : this.heal(id);
  }

  revision(id: string): number | undefined {
    return this.mirror.revision(id);
  }

  revisionList(): { id: string; revision: number }[] {
    return this.mirror.revisionList();
  }

  summaries(): Promise<AddonSummary[]> {
    return this.mirror.summaries();
  }
}
