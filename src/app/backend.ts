import type { Config } from '../config.ts';
import type { ByteLru } from '../cache/byte-lru.ts';
import type { AddonCatalog } from '../storage/addon-catalog.ts';
import { CatalogStore, type CatalogLoadProblem } from '../storage/catalog-store.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { ObjectCatalogStore } from '../storage/object-catalog-store.ts';
import { ObjectRenderedMarks } from '../storage/object-rendered-marks.ts';
import { checkConditionalWrites } from '../storage/objects/conditional-probe.ts';
import { FolderObjects } from '../storage/objects/folder-objects.ts';
import { LeaseGuardedObjects } from '../storage/objects/lease-guard.ts';
import { ObjectLeases } from '../storage/objects/object-leases.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import { S3Objects } from '../storage/objects/s3-objects.ts';
import { RenderedMarks, type RenderedMarkStore } from '../storage/rendered-marks.ts';
import { LocalLock, SharedLock, type TaskLock } from './shared-lock.ts';

/**
 * The two places a deployment can live, and what differs between them. A data folder belongs to
 * one server (it is locked): the catalog reads records on demand through an index log, marks are
 * one appended log, and locks are in-process queues. A bucket (OUTPOST_STORAGE) is shared by any
 * number of instances: each keeps copies of the add-on records in its own data folder
 * (catalog-mirror.ts), marks are one object per add-on, and every change holds a lease in the
 * bucket (shared-lock.ts).
 */
export interface Backend {
  readonly objects: ObjectStore;
  /** True when other instances may change the deployment at the same time. */
  readonly shared: boolean;
  readonly marks: RenderedMarkStore;
  openCatalog(memory: ByteLru): Promise<{ catalog: AddonCatalog; problems: CatalogLoadProblem[] }>;
  /** Before anything is read: a bucket must honour conditional writes (conditional-probe.ts). */
  check(): Promise<void>;
  /** `refresh`: re-reads what a lock key guards, once a shared lock is held. */
  lock(refresh: (key: string) => Promise<void>): TaskLock;
}

/**
 * `around`: what the services' writes and reads pass through on their way to the store (tests
 * stop a deployment at a chosen write there, as a kill would); leases go to the store directly.
 */
export function openBackend(config: Config, layout: DataLayout, around: (objects: ObjectStore) => ObjectStore = (o) => o): Backend {
  if (!config.bucket) {
    return {
      objects: around(new FolderObjects(layout.root)),
      shared: false,
      marks: new RenderedMarks(layout.renderedLog, layout.renderedDir),
      openCatalog: (memory) => CatalogStore.open(layout, { cache: memory }),
      lock: () => new LocalLock(),
      check: async () => {},
    };
  }
  const bucket = new S3Objects(config.bucket, config.s3);
  // Services write through the guard, so a change whose lease is lost stops writing; the leases
  // themselves (renewed and released outside the task) write to the bucket directly.
  const objects = new LeaseGuardedObjects(around(bucket));
  return {
    objects,
    shared: true,
    marks: new ObjectRenderedMarks(objects),
    openCatalog: (memory) => ObjectCatalogStore.open(objects, { dir: layout.bucketCatalogDir, source: config.s3.endpoint ?? 'AWS', cache: memory }),
    lock: (refresh) => new SharedLock(new ObjectLeases(bucket), refresh),
    check: () => checkConditionalWrites(bucket),
  };
}
