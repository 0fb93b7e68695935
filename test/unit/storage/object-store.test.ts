import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { errorCodeOf } from '../../helpers/jami-expect.ts';
import { publicHeaders } from '../../../src/catalog/served-headers.ts';
import { FolderObjects } from '../../../src/storage/objects/folder-objects.ts';
import { isObjectKey, ObjectStoreError } from '../../../src/storage/objects/object-store.ts';
import { parseStorageLocation } from '../../../src/storage/objects/storage-location.ts';

/** The code a store call fails with, or 'no error'. */
const codeOf = (promise: Promise<unknown>): Promise<string> => promise.then(() => 'no error', (err: unknown) => errorCodeOf(Promise.reject(err), ObjectStoreError));

async function keysOf(store: FolderObjects, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

describe('object keys', () => {
  it('take public/ or private/ and plain names, nothing that two stores could read differently', () => {
    for (const good of ['public/files/a@b.org/a-1.0.xpi', 'private/addons/{1234}.json', 'private/keys/default.key.pem', 'public/vpn/manifest.json.sig']) expect(isObjectKey(good), good).toBe(true);
    const bad = ['public', 'other/x', '/public/x', 'public//x', 'public/../private/x', 'public/./x', 'public/.hidden', 'public/x/', 'public\\x', 'public/x.', 'public/é', 'public/x\0', `public/${'a'.repeat(201)}`, `public${'/a'.repeat(40)}`];
    for (const key of bad) expect(isObjectKey(key), JSON.stringify(key)).toBe(false);
  });
});

describe('storage locations', () => {
  it('reads folders and s3://bucket[/prefix]', () => {
    expect(parseStorageLocation('storage', '/srv')).toEqual({ kind: 'folder', dir: '/srv/storage' });
    expect(parseStorageLocation('s3://updates.example-1', '/srv')).toEqual({ kind: 's3', bucket: 'updates.example-1', prefix: '' });
    expect(parseStorageLocation('s3://bkt/a/b/', '/srv')).toEqual({ kind: 's3', bucket: 'bkt', prefix: 'a/b/' });
  });

  it('refuses what is neither', () => {
    for (const bad of ['', 's3://', 's3://AB', 's3://a', 's3://-abc', 's3://abc-', 's3://a..b', 's3://10.0.0.1', 's3://bkt/../x', 's3://bkt/a//b', 's3://bkt/.x', 'http://host/x', 'file:///srv']) {
      expect(() => parseStorageLocation(bad, '/srv'), bad).toThrow(expect.objectContaining({ code: 'STORAGE_LOCATION_INVALID' }));
    }
  });
});

describe('public headers', () => {
  it('are the ones Outpost serves: packages immutable, documents for a minute', () => {
    expect(publicHeaders('files/a@b.org/a-1.0.xpi')).toEqual({ contentType: 'application/x-xpinstall', cacheControl: 'public, max-age=31536000, immutable' });
    expect(publicHeaders('updates/a@b.org/update.rdf')).toEqual({ contentType: 'text/xml; charset=utf-8', cacheControl: 'public, max-age=60' });
    expect(publicHeaders('vpn/x.rcc')).toEqual({ contentType: 'application/octet-stream', cacheControl: 'public, max-age=60' });
    expect(publicHeaders('jami/p/p-1.icon.png').contentType).toBe('image/png');
  });
});

describe('FolderObjects', () => {
  const fresh = () => mkdtempSync(path.join(tmpdir(), 'outpost-objects-'));

  it('writes atomically with the modes a server uses, and reads back', async () => {
    const root = fresh();
    const store = new FolderObjects(root);
    await store.put('public/files/x/x-1.xpi', Buffer.from('package'), 7);
    await store.put('private/addons/x.json', Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]), 7);
    expect(readFileSync(path.join(root, 'public/files/x/x-1.xpi'), 'utf8')).toBe('package');
    expect(statSync(path.join(root, 'public/files/x/x-1.xpi')).mode & 0o777).toBe(0o644);
    expect(statSync(path.join(root, 'private/addons/x.json')).mode & 0o777).toBe(0o600);
    expect(await keysOf(store)).toEqual(['private/addons/x.json', 'public/files/x/x-1.xpi']);
    expect(await keysOf(store, 'public/')).toEqual(['public/files/x/x-1.xpi']);
    expect(await store.get('public/none')).toBeUndefined();
    await store.remove('public/files/x/x-1.xpi');
    expect(await keysOf(store)).toEqual(['private/addons/x.json']);
  });

  it('refuses a short body, a lost compare-and-swap and a taken key, leaving no temp file', async () => {
    const root = fresh();
    const store = new FolderObjects(root);
    expect(await codeOf(store.put('private/a.json', Buffer.from('abc'), 4))).toBe('STORAGE_UNAVAILABLE');
    const { etag } = await store.put('private/a.json', Buffer.from('one'), 3);
    expect(await codeOf(store.put('private/a.json', Buffer.from('two'), 3, { ifAbsent: true }))).toBe('STORAGE_PRECONDITION_FAILED');
    expect(await codeOf(store.put('private/a.json', Buffer.from('two'), 3, { ifMatch: '"0-0"' }))).toBe('STORAGE_PRECONDITION_FAILED');
    await store.put('private/a.json', Buffer.from('two'), 3, { ifMatch: etag });
    expect(readFileSync(path.join(root, 'private/a.json'), 'utf8')).toBe('two');
    expect(await keysOf(store)).toEqual(['private/a.json']);
    expect(await codeOf(store.put('private/../x', Buffer.from('x'), 1))).toBe('STORAGE_KEY_INVALID');
  });

  it('lets exactly one of many writers holding the same ETag win, and gives every write a new ETag', async () => {
    const store = new FolderObjects(fresh());
    const { etag } = await store.put('private/r.json', Buffer.from('v0'), 2);
    const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => codeOf(store.put('private/r.json', Buffer.from(`w${i % 10}`), 2, { ifMatch: etag }))));
    expect(attempts.filter((c) => c === 'no error')).toHaveLength(1);
    expect(attempts.filter((c) => c === 'STORAGE_PRECONDITION_FAILED')).toHaveLength(19);
    // Same size, same millisecond: still another ETag.
    const etags = new Set<string>();
    for (let i = 0; i < 5; i++) etags.add((await store.put('private/r.json', Buffer.from('xy'), 2)).etag);
    expect(etags.size).toBe(5);
    expect(await keysOf(store)).toEqual(['private/r.json']);
  });

  it('lists no run-time state, and refuses names and links Outpost never writes', async () => {
    const root = fresh();
    mkdirSync(path.join(root, 'private/tmp'), { recursive: true });
    writeFileSync(path.join(root, 'private/tmp/upload-1'), 'in progress');
    writeFileSync(path.join(root, 'private/server.lock'), '1\nhost\n');
    mkdirSync(path.join(root, 'private/bucket-catalog/addons'), { recursive: true });
    writeFileSync(path.join(root, 'private/bucket-catalog/addons/a.json'), '{}');
    writeFileSync(path.join(root, 'private/.tokens.json.0a1b2c.tmp'), 'torn');
    writeFileSync(path.join(root, 'private/tokens.json'), '{}');
    const store = new FolderObjects(root);
    expect(await keysOf(store)).toEqual(['private/tokens.json']);
    symlinkSync('/etc/passwd', path.join(root, 'private/link'));
    expect(await codeOf(keysOf(store))).toBe('STORAGE_KEY_INVALID');
  });

  it('mounts a keys folder at private/keys/', async () => {
    const root = fresh();
    writeFileSync(path.join(root, 'default.json'), '{}');
    writeFileSync(path.join(root, '.gitkeep'), ''); // what a clone's ./keys holds
    const keys = new FolderObjects(root, 'private/keys/');
    expect(await keysOf(keys)).toEqual(['private/keys/default.json']);
    expect(await codeOf(keys.put('private/tokens.json', Buffer.from('x'), 1))).toBe('STORAGE_KEY_INVALID');
  });

  it('walks only the folder a prefix names', async () => {
    const root = fresh();
    const store = new FolderObjects(root);
    for (const key of ['public/files/a/a.xpi', 'private/sessions/1.json', 'private/sessions/2.json', 'private/sessionsx.json']) await store.put(key, Buffer.from('x'), 1);
    // A link elsewhere would fail the walk: it is not walked at all.
    symlinkSync('/etc/passwd', path.join(root, 'public/files/a/link'));
    expect(await keysOf(store, 'private/sessions/')).toEqual(['private/sessions/1.json', 'private/sessions/2.json']);
    expect(await keysOf(store, 'private/sessions')).toEqual(['private/sessions/1.json', 'private/sessions/2.json', 'private/sessionsx.json']);
    const keysRoot = fresh();
    writeFileSync(path.join(keysRoot, 'k.pem'), 'x');
    expect(await keysOf(new FolderObjects(keysRoot, 'private/keys/'), 'private/')).toEqual(['private/keys/k.pem']);
    expect(await keysOf(new FolderObjects(keysRoot, 'private/keys/'), 'public/')).toEqual([]);
  });
});
