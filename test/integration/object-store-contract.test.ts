import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { listNames, readObject, writeObject } from '../../src/storage/objects/object-bytes.ts';
import { FolderObjects } from '../../src/storage/objects/folder-objects.ts';
import { ObjectStoreError, type ObjectStore } from '../../src/storage/objects/object-store.ts';
import { S3Objects } from '../../src/storage/objects/s3-objects.ts';
import { errorCodeOf } from '../helpers/jami-expect.ts';
import { newBucket, requireGateway } from '../helpers/s3-gateway.ts';

/**
 * What the services rely on from the object-store port, checked on both adapters with the same
 * cases: the folder a single server uses, and a real S3 gateway (Ceph RGW, test/helpers/s3-gateway.ts).
 */
const gateway = requireGateway();
const scratch = () => mkdtempSync(path.join(tmpdir(), 'outpost-contract-'));
const codeOf = (promise: Promise<unknown>): Promise<string> => promise.then(() => 'no error', (err: unknown) => errorCodeOf(Promise.reject(err), ObjectStoreError));

const backends: [string, () => Promise<ObjectStore>][] = [['folder', async () => new FolderObjects(scratch())]];
if (gateway) {
  backends.push([
    's3',
    async () => {
      const bucket = await newBucket(gateway, 'contract');
      const s3 = loadConfig({ ...gateway.env }, tmpdir()).s3;
      return new S3Objects({ bucket, prefix: 'deploy/' }, s3);
    },
  ]);
}

/** A staged upload, as the upload routes leave one in private/tmp. */
function staged(bytes: string): string {
  const file = path.join(scratch(), 'upload');
  writeFileSync(file, bytes, { mode: 0o600 });
  return file;
}

describe.each(backends)('the object-store port on a %s', (_name, open) => {
  it('lists only under the prefix asked for, nested keys included, in key order', async () => {
    const store = await open();
    for (const key of ['public/updates/a/update.rdf', 'public/updates/a/x/y/update.json', 'public/updates/ab/update.rdf', 'public/files/a/a-1.xpi', 'private/addons/a.json']) await writeObject(store, key, key);
    expect(await listNames(store, 'public/updates/a/')).toEqual(['update.rdf', 'x/y/update.json']);
    expect(await listNames(store, 'public/updates/a')).toEqual(['/update.rdf', '/x/y/update.json', 'b/update.rdf']);
    expect(await listNames(store, 'public/none/')).toEqual([]);
    expect(await listNames(store, 'private/')).toEqual(['addons/a.json']);
  });

  it('tells whether an object exists without reading it, and reads small ones whole', async () => {
    const store = await open();
    await writeObject(store, 'private/vpn-index.json', '{"serial":3}');
    expect(await store.head('private/vpn-index.json')).toEqual({ key: 'private/vpn-index.json', size: 12 });
    expect(await store.head('private/none.json')).toBeUndefined();
    expect((await readObject(store, 'private/vpn-index.json'))?.toString()).toBe('{"serial":3}');
    expect(await readObject(store, 'private/none.json')).toBeUndefined();
    expect(await codeOf(readObject(store, 'private/vpn-index.json', 4))).toBe('STORAGE_UNAVAILABLE');
  });

  it('reads a byte range with the whole size, the ETag of the whole and a modification time', async () => {
    const store = await open();
    await writeObject(store, 'public/files/a/a-1.0.xpi', '0123456789');
    const whole = await store.get('public/files/a/a-1.0.xpi');
    whole!.stream.destroy();
    const part = await store.get('public/files/a/a-1.0.xpi', { start: 2, end: 5 });
    const chunks: Buffer[] = [];
    for await (const chunk of part!.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('2345');
    expect({ size: part!.size, etag: part!.etag, range: part!.range }).toEqual({ size: 10, etag: whole!.etag, range: { start: 2, end: 5 } });
    expect(part!.lastModified).toBeInstanceOf(Date);
    expect(await store.get('public/files/a/none.xpi', { start: 0, end: 1 })).toBeUndefined();
  });

  it('adopts a staged file: its bytes under the key, the local file gone', async () => {
    const store = await open();
    const file = staged('package bytes');
    await store.adopt(file, 'public/files/a/a-1.0.xpi', 13);
    expect(existsSync(file)).toBe(false);
    expect((await readObject(store, 'public/files/a/a-1.0.xpi'))?.toString()).toBe('package bytes');
  });

  it('moves an object aside and back (withdraw, restore), the source gone each time', async () => {
    const store = await open();
    await writeObject(store, 'public/files/a/a-1.0.xpi', 'v1');
    await store.move('public/files/a/a-1.0.xpi', 'private/withdrawn/a/a-1.0.xpi');
    expect(await store.head('public/files/a/a-1.0.xpi')).toBeUndefined();
    expect((await readObject(store, 'private/withdrawn/a/a-1.0.xpi'))?.toString()).toBe('v1');
    await store.move('private/withdrawn/a/a-1.0.xpi', 'public/files/a/a-1.0.xpi');
    expect(await store.head('private/withdrawn/a/a-1.0.xpi')).toBeUndefined();
    expect((await readObject(store, 'public/files/a/a-1.0.xpi'))?.toString()).toBe('v1');
  });

  it('removes idempotently, and refuses keys outside the grammar before any I/O', async () => {
    const store = await open();
    await writeObject(store, 'public/updates/a/update.rdf', 'x');
    await store.remove('public/updates/a/update.rdf');
    await store.remove('public/updates/a/update.rdf');
    expect(await store.head('public/updates/a/update.rdf')).toBeUndefined();
    for (const bad of ['public/../private/tokens.json', 'elsewhere/x', 'public/.hidden']) {
      expect(await codeOf(store.head(bad)), bad).toBe('STORAGE_KEY_INVALID');
      expect(await codeOf(store.move('public/updates/a/update.rdf', bad)), bad).toBe('STORAGE_KEY_INVALID');
    }
  });
});

describe('FolderObjects, what a bucket has no notion of', () => {
  it('removes the folders an object leaves empty, but never an area of the data folder', async () => {
    const root = scratch();
    const store = new FolderObjects(root);
    await writeObject(store, 'public/updates/a/firefox/linux/update.json', 'x');
    await store.remove('public/updates/a/firefox/linux/update.json');
    expect(readdirSync(path.join(root, 'public/updates'))).toEqual([]);
    const file = staged('x');
    await store.adopt(file, 'public/files/b/b-1.xpi', 1);
    await store.move('public/files/b/b-1.xpi', 'private/withdrawn/b/b-1.xpi');
    expect(readdirSync(path.join(root, 'public/files'))).toEqual([]);
  });
});

describe.skipIf(!gateway)('S3Objects, headers', () => {
  it('gives public objects the headers they are served with, whichever way they arrive', async () => {
    const bucket = await newBucket(gateway!, 'headers');
    const store = new S3Objects({ bucket, prefix: '' }, loadConfig({ ...gateway!.env }, tmpdir()).s3);
    const head = (key: string) => gateway!.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    await writeObject(store, 'public/updates/a/update.rdf', '<RDF/>');
    await store.adopt(staged('zip'), 'public/files/a/a-1.xpi', 3);
    await writeObject(store, 'private/withdrawn/a/a-0.9.xpi', 'old');
    await store.move('private/withdrawn/a/a-0.9.xpi', 'public/files/a/a-0.9.xpi');
    expect(await head('public/updates/a/update.rdf')).toMatchObject({ ContentType: 'text/xml; charset=utf-8', CacheControl: 'public, max-age=60' });
    for (const key of ['public/files/a/a-1.xpi', 'public/files/a/a-0.9.xpi']) {
      expect(await head(key), key).toMatchObject({ ContentType: 'application/x-xpinstall', CacheControl: 'public, max-age=31536000, immutable' });
    }
  });
});
