import { afterEach, describe, expect, it, vi } from 'vitest';
import { ObjectStoreError } from '../../../src/storage/objects/object-store.ts';
import { readObject, writeObject } from '../../../src/storage/objects/object-bytes.ts';
import { errorCodeOf } from '../../helpers/jami-expect.ts';
import { tempFolderObjects } from '../../helpers/object-backends.ts';

/**
 * Two races of the folder adapter, put in a chosen order: the file-system calls it makes are
 * wrapped so that another writer's step runs exactly between two of ours (no timing involved).
 */
const between = vi.hoisted(() => ({
  afterRename: undefined as ((from: string, to: string) => Promise<void>) | undefined,
  afterMkdir: undefined as ((dir: string) => Promise<void>) | undefined,
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const rename: typeof real.rename = async (from, to) => {
    await real.rename(from, to);
    const hook = between.afterRename;
    between.afterRename = undefined;
    await hook?.(String(from), String(to));
  };
  const mkdir = (async (dir: string, options: Parameters<typeof real.mkdir>[1]) => {
    const made = await real.mkdir(dir, options);
    const hook = between.afterMkdir;
    between.afterMkdir = undefined;
    await hook?.(dir);
    return made;
  }) as typeof real.mkdir;
  return { ...real, default: { ...real, rename, mkdir }, rename, mkdir };
});

afterEach(() => {
  between.afterRename = undefined;
  between.afterMkdir = undefined;
});

describe('FolderObjects under concurrent writers', () => {
  it("answers a put with its own file's ETag, even when another write replaced it right after", async () => {
    const objects = tempFolderObjects();
    const key = 'private/addons/race.json';
    await writeObject(objects, key, 'v1');
    let theirs!: string;
    // Another writer's put lands between our rename and anything we do after it.
    between.afterRename = async () => void ({ etag: theirs } = await objects.put(key, Buffer.from('v3!'), 3));
    const { etag: ours } = await objects.put(key, Buffer.from('v2'), 2);
    expect(ours).not.toBe(theirs);
    // Our ETag names our version, which is gone: a write conditional on it must not pass.
    expect(await errorCodeOf(objects.put(key, Buffer.from('v4'), 2, { ifMatch: ours }), ObjectStoreError)).toBe('STORAGE_PRECONDITION_FAILED');
    expect((await readObject(objects, key))!.toString()).toBe('v3!');
  });

  it('writes into a folder that a remove pruned between its mkdir and its file', async () => {
    const objects = tempFolderObjects();
    const rmdirEmpty = async (dir: string) => {
      const { rmdir } = await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises');
      await rmdir(dir); // what pruneFolders does after removing the folder's last object
    };
    between.afterMkdir = rmdirEmpty;
    await writeObject(objects, 'public/files/pruned@example.org/a.xpi', 'a');
    expect((await readObject(objects, 'public/files/pruned@example.org/a.xpi'))!.toString()).toBe('a');

    between.afterMkdir = rmdirEmpty;
    await objects.move('public/files/pruned@example.org/a.xpi', 'private/withdrawn/pruned@example.org/a.xpi');
    expect((await readObject(objects, 'private/withdrawn/pruned@example.org/a.xpi'))!.toString()).toBe('a');
  });
});
