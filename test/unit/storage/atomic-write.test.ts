import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAtomicTempName, writeFileAtomic } from '../../../src/storage/atomic-write.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'outpost-atomic-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('writeFileAtomic', () => {
  it('writes the content with exactly the asked mode, whatever the umask', async () => {
    const oldMask = process.umask(0o077);
    try {
      await writeFileAtomic(path.join(dir, 'a.txt'), 'hello', { mode: 0o644 });
    } finally {
      process.umask(oldMask);
    }
    expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('hello');
    expect(await modeOf(path.join(dir, 'a.txt'))).toBe(0o644);
    await writeFileAtomic(path.join(dir, 'b.bin'), Buffer.from([0, 1, 2]), { mode: 0o600 });
    expect(await modeOf(path.join(dir, 'b.bin'))).toBe(0o600);
    expect(await readdir(dir)).toEqual(['a.txt', 'b.bin']);
  });

  it('replaces an existing file by default', async () => {
    const file = path.join(dir, 'f');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('with overwrite: false, fails with EEXIST and leaves the existing file and no temp file', async () => {
    const file = path.join(dir, 'f');
    await writeFile(file, 'original');
    await expect(writeFileAtomic(file, 'new', { overwrite: false })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(file, 'utf8')).toBe('original');
    expect(await readdir(dir)).toEqual(['f']);
    await writeFileAtomic(path.join(dir, 'g'), 'fresh', { overwrite: false });
    expect(await readFile(path.join(dir, 'g'), 'utf8')).toBe('fresh');
    expect((await readdir(dir)).sort()).toEqual(['f', 'g']);
  });

  it('removes its temp file when the final step fails', async () => {
    const target = path.join(dir, 'occupied');
    await mkdir(path.join(target, 'child'), { recursive: true }); // rename() cannot replace a non-empty directory
    await expect(writeFileAtomic(target, 'data')).rejects.toBeTruthy();
    expect(await readdir(dir)).toEqual(['occupied']);
  });

  it('fails cleanly in a directory that does not exist', async () => {
    await expect(writeFileAtomic(path.join(dir, 'missing', 'f'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('never lets concurrent writers produce a mixed or partial file', async () => {
    const file = path.join(dir, 'f');
    const versions = Array.from({ length: 20 }, (_, i) => String(i).repeat(50_000));
    await Promise.all(versions.map((v) => writeFileAtomic(file, v)));
    expect(versions).toContain(await readFile(file, 'utf8'));
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('names temp files so directory readers can skip them', () => {
    expect(isAtomicTempName('.key.json.0a1b2c3d4e5f.tmp')).toBe(true);
    expect(isAtomicTempName('key.json')).toBe(false);
  });
});
