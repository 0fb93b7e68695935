import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { KEYS_PREFIX, keysFolder } from '../../src/storage/key-store.ts';
import { listNames } from '../../src/storage/objects/object-bytes.ts';
import type { ObjectStore } from '../../src/storage/objects/object-store.ts';
import { S3Objects } from '../../src/storage/objects/s3-objects.ts';
import { newBucket, requireGateway } from './s3-gateway.ts';

/**
 * Where the key store's tests keep keys: a keys folder (OUTPOST_KEYS) and, when a gateway is
 * announced, a real bucket. A backend makes a fresh, empty place and returns a way to connect to
 * it, each connection standing for one instance (process) of Outpost.
 */
export type KeyBackend = [name: string, fresh: () => Promise<() => ObjectStore>];

const gateway = requireGateway();
let bucket: Promise<string> | undefined;
let places = 0;

export const keyBackends: KeyBackend[] = [
  ['folder', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'outpost-keys-')), 'keys');
    return () => keysFolder(dir);
  }],
];
if (gateway) {
  keyBackends.push(['bucket', async () => {
    bucket ??= newBucket(gateway, 'keys');
    const where = { bucket: await bucket, prefix: `deployment-${++places}/` };
    const s3 = loadConfig({ ...gateway.env }, tmpdir()).s3;
    return () => new S3Objects(where, s3);
  }]);
}

/** The objects under private/keys/, as names relative to it (what `ls keys/` shows on disk). */
export const keyObjects = async (store: ObjectStore): Promise<string[]> => (await listNames(store, KEYS_PREFIX)).sort();
