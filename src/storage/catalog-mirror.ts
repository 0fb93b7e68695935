import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ByteLru } from '../cache/byte-lru.ts';
import type { AddonRecord } from '../catalog/addon-record.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { isAddonRecord, isAddonSummary, summarizeAddon, type AddonSummary } from './catalog-store.ts';
import { IndexedRecordStore } from './indexed-record-store.ts';
import { sameEtag } from './objects/object-store.ts';
import type { RecordCopies } from './record-copies.ts';

/** An add-on record as the bucket held it, with the ETag it was read or written at. */
interface MirroredAddon {
  id: string;
  etag: string;
  record: AddonRecord;
}
type MirroredSummary = AddonSummary & { etag: string };

const isMirroredAddon = (value: unknown): value is MirroredAddon => {
  const m = value as MirroredAddon;
  return typeof m?.id === 'string' && typeof m.etag === 'string' && isAddonRecord(m.record) && m.record.id === m.id;
};
const isMirroredSummary = (value: unknown): value is MirroredSummary => isAddonSummary(value) && typeof (value as MirroredSummary).etag === 'string';

class MirrorFiles extends IndexedRecordStore<MirroredAddon, MirroredSummary> {
  static async open(dir: string, cache?: ByteLru): Promise<MirrorFiles> {
    const files = new MirrorFiles({
      dir: path.join(dir, 'addons'),
      indexFile: path.join(dir, 'addons.index'),
      isRecord: isMirroredAddon,
      isSummary: isMirroredSummary,
      summarize: ({ etag, record }) => ({ ...summarizeAddon(record), etag }),
      revisionOf: (item) => ('record' in item ? item.record.revision : item.revision),
      ...(cache ? { cache } : {}),
      cachePrefix: 'addon:',
    });
    // A damaged copy is left out by openIndex and removed: loadAll reads every record the copies
    // lack from the bucket, so nothing here needs reporting or keeping.
    for (const { file } of await files.openIndex()) await rm(path.join(dir, 'addons', path.basename(file)), { force: true });
    return files;
  }
}

export interface CopyOwner {
  /** The ETag the bucket's object had when last read or written. */
  etagOf(id: string): string | undefined;
  /** A copy is missing, damaged or stale: read the record again from the bucket. */
  unreadable(id: string): void;
}

/**
 * The add-on catalog of a bucket, copied to this instance's data folder (private/bucket-catalog/):
 * one file per record with the ETag it was read at, and the folder catalog's index log of
 * summaries (indexed-record-store.ts). Memory then holds an id, a revision and an ETag per add-on
 * instead of every record, listings read the summaries from the log, and a restart reads from the
 * bucket only what changed while this instance was down (loadAll compares ETags with a listing).
 * The bucket stays the truth: these are copies, written after the bucket and corrected by every
 * re-read (instance-sync.ts). The data folder is locked to one process, so the copies are too.
 */
export class CatalogMirror implements RecordCopies<AddonRecord> {
  /**
   * The last write of each id in flight: writes of one id run one at a time in call order, so a
   * slow copy of an older read never lands after a newer one; different ids write side by side
   * (a first start copies the whole catalog, and each copy waits for its fsyncs).
   */
  private readonly writing = new Map<string, Promise<void>>();
  private owner: CopyOwner = { etagOf: () => undefined, unreadable: () => undefined };

  private constructor(private readonly files: MirrorFiles) {}

  /** `source` names the bucket: copies of another bucket's records are dropped, not trusted. */
  static async open(dir: string, source: string, cache?: ByteLru): Promise<CatalogMirror> {
    const marker = path.join(dir, 'source');
    if ((await readFile(marker, 'utf8').catch(() => undefined)) !== source) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(marker, source, { mode: 0o600 });
    }
    await mkdir(path.join(dir, 'addons'), { recursive: true, mode: 0o700 });
    return new CatalogMirror(await MirrorFiles.open(dir, cache));
  }

  async kept(): Promise<Map<string, string>> {
    return new Map((await this.files.summaries()).map((s) => [s.id, s.etag]));
  }

  has(id: string): boolean {
    return this.files.revision(id) !== undefined;
  }

  /**
   * A copy that cannot be read (damaged on disk), or that holds another ETag than the catalog
   * last read or wrote (a copy whose write failed), is announced, so that the catalog reads the
   * record again from the bucket; until then it counts as absent: an old copy might still offer a
   * version since withdrawn. While a write of the id is under way, its copy is the one before it.
   */
  get(id: string): AddonRecord | undefined {
    const copy = this.files.get(id);
    if (this.writing.has(id) || this.files.revision(id) === undefined) return copy?.record;
    const expected = this.owner.etagOf(id);
    if (copy && sameEtag(copy.etag, expected)) return copy.record;
    this.owner.unreadable(id);
    return undefined;
  }

  /** Who decides what the copies must hold: the catalog, once it is constructed. */
  attach(owner: CopyOwner): void {
    this.owner = owner;
  }

  keep(record: AddonRecord, etag: string): Promise<void> {
    return this.inOrder(record.id, () => this.files.save({ id: record.id, etag, record }));
  }

  drop(id: string): Promise<void> {
    return this.inOrder(id, () => this.files.restore(id, undefined));
  }

  private inOrder(id: string, write: () => Promise<void>): Promise<void> {
    const run = (this.writing.get(id) ?? Promise.resolve()).then(write);
    const settled = run.catch(() => undefined);
    this.writing.set(id, settled);
    void settled.then(() => {
      if (this.writing.get(id) === settled) this.writing.delete(id);
    });
    return run;
  }

  /** Every record, each as get() gives it (a stale or damaged copy is left out and read again). */
  list(): AddonRecord[] {
    return this.files.revisionList().flatMap(({ id }) => this.get(id) ?? []);
  }

  get size(): number {
    return this.files.size;
  }

  revision(id: string): number | undefined {
    return this.files.revision(id);
  }

  revisionList(): { id: string; revision: number }[] {
    return this.files.revisionList();
  }

  async summaries(): Promise<AddonSummary[]> {
    return (await this.files.summaries()).map(({ etag: _etag, ...summary }) => summary);
  }
}
