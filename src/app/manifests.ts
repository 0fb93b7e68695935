import { isPublic, type AddonRecord, type HashAlgorithm } from '../catalog/addon-record.ts';
import { renderAllDocuments, type DocumentOptions, type RenderedDocument } from '../catalog/update-documents.ts';
import type { AddonCatalog } from '../storage/addon-catalog.ts';
import { dataKeys } from '../storage/data-keys.ts';
import { listNames, writeObject } from '../storage/objects/object-bytes.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import type { RenderedMarkStore } from '../storage/rendered-marks.ts';
import type { TaskLock } from './shared-lock.ts';
import type { SignerCache } from './signer-cache.ts';
import { forEachConcurrently } from './concurrently.ts';

/** Writes of one add-on's documents in flight at once (an add-on for 4 applications has 10). */
const PARALLEL_WRITES = 8;

/**
 * Builds, signs and writes an add-on's served documents. Rendering is separate from writing so a
 * publish can prove everything can be built and signed before it changes anything on disk.
 */
export class ManifestService {
  private readonly writeListeners: ((key: string) => void)[] = [];
  constructor(
    private readonly marks: RenderedMarkStore,
    private readonly objects: ObjectStore,
    private readonly signers: SignerCache,
    private readonly publicUrl: string,
    private readonly hash: HashAlgorithm = 'sha256',
  ) {}

  /** Lets caches of served files drop a document (by key) as soon as it is rewritten. */
  onWrite(listener: (key: string) => void): void {
    this.writeListeners.push(listener);
  }

  async documentOptions(record: AddonRecord): Promise<DocumentOptions> {
    return { signer: await this.signers.get(record.publisherKey), publicUrl: this.publicUrl, hash: this.hash };
  }

  /** The public documents: none for a private add-on, so write() removes any it had (feeds render their own). */
  async render(record: AddonRecord): Promise<RenderedDocument[]> {
    if (!isPublic(record)) return [];
    return renderAllDocuments(record, await this.documentOptions(record));
  }

  async write(record: AddonRecord, docs: readonly RenderedDocument[]): Promise<void> {
    const written = new Set(docs.map((doc) => dataKeys.document(record.id, doc.path)));
    // Documents are independent of each other (a client reads one), so they are written together.
    await forEachConcurrently(docs, PARALLEL_WRITES, async (doc) => {
      const key = dataKeys.document(record.id, doc.path);
      await writeObject(this.objects, key, doc.body);
      for (const listener of this.writeListeners) listener(key);
    });
    // Documents for applications or platforms the add-on no longer has must stop being served.
    const prefix = dataKeys.documents(record.id);
    const stale = (await listNames(this.objects, prefix)).map((name) => `${prefix}${name}`).filter((key) => !written.has(key));
    await forEachConcurrently(stale, PARALLEL_WRITES, async (key) => {
      await this.objects.remove(key);
      for (const listener of this.writeListeners) listener(key);
    });
  }

  /**
   * Remembers which catalog revision is served, once everything a change does is done (documents,
   * files, audit entry): start-up recovery redoes the documents of any record whose mark is behind.
   */
  async markRendered(record: Pick<AddonRecord, 'id' | 'revision'>): Promise<void> {
    await this.marks.mark(record.id, record.revision);
  }

  /**
   * Start-up: every add-on's rendered revision, read once. The marks file is rewritten when most
   * of its lines are superseded, it ends mid-line or was just migrated, keeping only add-ons still
   * in `catalog`.
   */
  async renderedRevisions(catalog: Pick<AddonCatalog, 'revision' | 'size'>): Promise<Map<string, number>> {
    const { marks, lines, migrated, torn } = await this.marks.load();
    if (migrated || torn || lines > 2 * catalog.size + 1024) {
      await this.marks.compact([...marks].filter(([id]) => catalog.revision(id) !== undefined));
    }
    return marks;
  }

  /**
   * After a crash between saving a record and writing its documents, the served ones are the
   * previous consistent set; this brings them up to date. Returns the ids it rebuilt.
   */
  async reconcile(catalog: AddonCatalog, lock: TaskLock, rendered?: ReadonlyMap<string, number>): Promise<{ rebuilt: string[]; failed: { id: string; error: Error }[] }> {
    const marks = rendered ?? (await this.renderedRevisions(catalog));
    return this.rebuild(catalog, lock, (entry) => marks.get(entry.id) !== entry.revision);
  }

  /** Every add-on's documents, rendered again (after a change of public URL or hash algorithm). */
  rebuildAll(catalog: AddonCatalog, lock: TaskLock): Promise<{ rebuilt: string[]; failed: { id: string; error: Error }[] }> {
    return this.rebuild(catalog, lock, () => true);
  }

  /**
   * Walks the catalog index; a record is read only when its documents must be rebuilt. Each one
   * in the add-on's lock: with several instances on one bucket, another may be changing it.
   */
  private async rebuild(catalog: AddonCatalog, lock: TaskLock, needed: (entry: { id: string; revision: number }) => boolean): Promise<{ rebuilt: string[]; failed: { id: string; error: Error }[] }> {
    const rebuilt: string[] = [];
    const failed: { id: string; error: Error }[] = [];
    for (const entry of catalog.revisionList()) {
      if (!needed(entry)) continue;
      try {
        await lock.run(entry.id, async () => {
          const record = catalog.get(entry.id);
          if (!record) return;
          await this.write(record, await this.render(record));
          await this.markRendered(record);
          rebuilt.push(record.id);
        });
      } catch (error) {
        failed.push({ id: entry.id, error: error as Error });
      }
    }
    return { rebuilt, failed };
  }
}
