import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FolderObjects } from '../../src/storage/objects/folder-objects.ts';
import type { ObjectStore } from '../../src/storage/objects/object-store.ts';
import { S3Objects } from '../../src/storage/objects/s3-objects.ts';
import { newBucket, requireGateway } from './s3-gateway.ts';

/** A data folder of its own, as the object-store port sees it. */
export function tempFolderObjects(): FolderObjects {
  return new FolderObjects(mkdtempSync(path.join(tmpdir(), 'outpost-objects-')));
}

/**
 * The backends a parameterised suite runs on: the folder always, and a fresh bucket on the test
 * gateway when one is announced (missing: skipped loudly, or a failure under CI=true).
 * `open()` gives one deployment; `attach()` a second client on the same one, as another
 * process or instance would have.
 */
export interface ObjectBackend {
  readonly name: string;
  open(): Promise<{ objects: ObjectStore; attach(): ObjectStore }>;
}

export function objectBackends(purpose: string): ObjectBackend[] {
  const backends: ObjectBackend[] = [
    {
      name: 'folder',
      open: async () => {
        const objects = tempFolderObjects();
        return { objects, attach: () => new FolderObjects(objects.location) };
      },
    },
  ];
  const gateway = requireGateway();
  if (gateway) {
    const s3 = { region: gateway.env.AWS_REGION!, forcePathStyle: true, endpoint: gateway.endpoint, credentials: { accessKeyId: gateway.env.AWS_ACCESS_KEY_ID!, secretAccessKey: gateway.env.AWS_SECRET_ACCESS_KEY! } };
    backends.push({
      name: 's3',
      open: async () => {
        const where = { bucket: await newBucket(gateway, purpose), prefix: 'deploy/' };
        return { objects: new S3Objects(where, s3), attach: () => new S3Objects(where, s3) };
      },
    });
  }
  return backends;
}
