import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdminStore } from '../../../src/storage/admin-store.ts';
import { lockDataFolder, withFileLock } from '../../../src/storage/file-lock.ts';
import { FolderObjects } from '../../../src/storage/objects/folder-objects.ts';
import { TokenStore } from '../../../src/storage/token-store.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'outpost-shared-'));

/**
 * Two store instances on one data folder stand for a running server and an `outpost` CLI command.
 * (test/integration/auth-state.test.ts runs the same against a bucket too.)
 */
describe('state files written by several processes', () => {
  it('loses no token when two writers create tokens at the same time, and leaves no lock or temp file', async () => {
    const root = dir();
    const server = new TokenStore(new FolderObjects(root));
    const cli = new TokenStore(new FolderObjects(root));
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? server : cli).create('default', `t${i}`)));
    expect((await new TokenStore(new FolderObjects(root)).list()).map((t) => t.label).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`).sort());
    expect(readdirSync(path.join(root, 'private'))).toEqual(['tokens.json']);
  });

  it('loses no admin when two writers add accounts at the same time', async () => {
    const root = dir();
    const a = new AdminStore(new FolderObjects(root));
    const b = new AdminStore(new FolderObjects(root));
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).create(`admin${i}`, 'a long password')));
    expect((await new AdminStore(new FolderObjects(root)).list()).map((x) => x.username).sort()).toEqual(['admin0', 'admin1', 'admin2', 'admin3', 'admin4', 'admin5']);
    expect(readdirSync(path.join(root, 'private'))).toEqual(['admins.json']);
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const file = path.join(dir(), 'x.lock');
    // A pid far above pid_max stands for a process killed with its lock held.
    writeFileSync(file, `4194999\n${(await import('node:os')).hostname()}\n`);
    expect(await withFileLock(file, async () => 'ran')).toBe('ran');
    const folder = await lockDataFolder(file, '/data');
    await folder.release();
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a data folder another live process holds, naming it', async () => {
    const file = path.join(dir(), 'server.lock');
    const first = await lockDataFolder(file, '/srv/outpost');
    await expect(lockDataFolder(file, '/srv/outpost')).rejects.toMatchObject({ code: 'DATA_FOLDER_IN_USE' });
    await first.release();
    await (await lockDataFolder(file, '/srv/outpost')).release();
  });
});
