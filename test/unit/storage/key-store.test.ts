import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encryptPrivateKeyPem, generateRsaKey } from '../../../src/signing/key-formats.ts';
import { updateKeyOf } from '../../../src/signing/signer.ts';
import { isAtomicTempName } from '../../../src/storage/atomic-write.ts';
import { KeyStore, keysFolder, validateKeyName } from '../../../src/storage/key-store.ts';
import { test4 } from '../../helpers/mccoy-test4.ts';

/**
 * What only a keys folder (OUTPOST_KEYS) has: file modes, the exact bytes on disk that existing
 * deployments hold, and what else lives in the folder. Behaviour on a folder and a bucket alike:
 * test/integration/key-store.test.ts and key-store-instances.test.ts.
 */
const NOW = new Date('2026-03-01T12:00:00.000Z');
let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'outpost-keys-'));
  dir = path.join(root, 'state', 'keys'); // does not exist yet: the store creates it
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const store = (passphrase = 'store passphrase'): KeyStore => new KeyStore(keysFolder(dir), passphrase, () => NOW);
const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('KeyStore on a keys folder', () => {
  it('writes <name>.key.pem and <name>.json, 0600 in a 0700 folder, the metadata as indented JSON', async () => {
    const info = await store().create('main');
    expect((await readdir(dir)).sort()).toEqual(['main.json', 'main.key.pem']);
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(path.join(dir, 'main.key.pem'))).toBe(0o600);
    expect(await modeOf(path.join(dir, 'main.json'))).toBe(0o600);
    expect(await readFile(path.join(dir, 'main.json'), 'utf8')).toBe(`${JSON.stringify(info, null, 2)}\n`);
  });

  it('reads a keys folder as earlier versions wrote it', async () => {
    const key = await generateRsaKey(2048);
    const info = { name: 'old', bits: 2048, updateKey: updateKeyOf(key), createdAt: '2025-01-01T00:00:00.000Z', source: 'generated' };
    await KeyStore.prepareFolder(dir);
    await writeFile(path.join(dir, 'old.key.pem'), encryptPrivateKeyPem(key, 'store passphrase'), { mode: 0o600 });
    await writeFile(path.join(dir, 'old.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    expect(await store().list()).toEqual([info]);
    expect((await store().signer('old')).updateKey).toBe(info.updateKey);
  });

  it("lives beside a clone's .gitkeep and the generated passphrase file", async () => {
    await KeyStore.prepareFolder(dir);
    await writeFile(path.join(dir, '.gitkeep'), '');
    await writeFile(path.join(dir, 'passphrase'), 'generated\n', { mode: 0o600 });
    await store().import('mccoy', test4.pem, test4.password);
    expect((await store().list()).map((k) => k.name)).toEqual(['mccoy']);
    expect((await readdir(dir)).sort()).toEqual(['.gitkeep', 'mccoy.json', 'mccoy.key.pem', 'passphrase']);
  });

  it('writes a key beside an orphan key file 0600 too', async () => {
    await KeyStore.prepareFolder(dir);
    await writeFile(path.join(dir, 'main.key.pem'), 'left by a killed create');
    await store().create('main');
    const files = (await readdir(dir)).filter((f) => f.startsWith('main@'));
    expect(files).toHaveLength(1);
    expect(await modeOf(path.join(dir, files[0]!))).toBe(0o600);
  });

  it('leaves no temp files behind', async () => {
    await store().create('one');
    await store().import('two', test4.pem, test4.password);
    await expect(store().create('one')).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    expect((await readdir(dir)).filter(isAtomicTempName)).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['one.json', 'one.key.pem', 'two.json', 'two.key.pem']);
  });

  it('is empty before the folder exists, and prepareFolder makes it 0700', async () => {
    expect(await store().list()).toEqual([]);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await KeyStore.prepareFolder(dir);
    expect(await modeOf(dir)).toBe(0o700);
  });
});

describe('validateKeyName', () => {
  it.each(['a', 'main', 'McCoy-2009', 'key_1.0', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(() => validateKeyName(name)).not.toThrow();
  });

  it.each(['', '.hidden', '-dash', '../up', 'a/b', 'a\\b', 'with space', 'x'.repeat(65), 'ключ', 'a@b'])('refuses %j', (name) => {
    expect(() => validateKeyName(name)).toThrow(expect.objectContaining({ code: 'KEY_NAME_INVALID' }));
  });
});
