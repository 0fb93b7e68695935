import type { S3Config } from '../../config.ts';
import { KEYS_PREFIX } from '../key-store.ts';
import { FolderObjects } from './folder-objects.ts';
import type { ObjectInfo, ObjectStore } from './object-store.ts';
import { S3Objects } from './s3-objects.ts';
import { describeLocation, type StorageLocation } from './storage-location.ts';

/**
 * A whole deployment as objects: the data (public/, private/) and the publisher keys, which in a
 * bucket live under private/keys/ (still encrypted) and on disk in their own folder
 * (OUTPOST_KEYS). Keys name the same thing in both forms, so a deployment copies key by key.
 */
export interface Deployment {
  readonly location: string;
  /** Every object, in key order. */
  list(): AsyncIterable<ObjectInfo>;
  /** The store an object of this key lives in. */
  storeFor(key: string): ObjectStore;
  close(): Promise<void>;
}

export { KEYS_PREFIX };

export function openDeployment(location: StorageLocation, options: { keysDir?: string; s3: S3Config }): Deployment {
  if (location.kind === 's3') {
    const bucket = new S3Objects(location, options.s3);
    return { location: bucket.location, list: () => bucket.list(''), storeFor: () => bucket, close: () => bucket.close() };
  }
  const data = new FolderObjects(location.dir);
  const keys = options.keysDir ? new FolderObjects(options.keysDir, KEYS_PREFIX) : undefined;
  return {
    location: describeLocation(location),
    async *list() {
      // A keys folder inside the data folder would otherwise be listed twice.
      for await (const object of data.list('')) if (!keys || !object.key.startsWith(KEYS_PREFIX)) yield object;
      if (keys) yield* keys.list(KEYS_PREFIX);
    },
    storeFor: (key) => (keys && key.startsWith(KEYS_PREFIX) ? keys : data),
    close: async () => {},
  };
}
