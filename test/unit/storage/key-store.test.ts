import crypto from 'node:crypto';
import { copyFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyStore, validateKeyName } from '../../../src/storage/key-store.ts';
import * as atomicWrite from '../../../src/storage/atomic-write.ts';

// Lets one test make the metadata write fail, to prove a failed create leaves no half key behind.
const failures = vi.hoisted(() => ({ metadataWrite: false }));
vi.mock('../../../src/storage/atomic-write.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/storage/atomic-write.ts')>();
  return {
    ...actual,
    writeFileAtomic: async (...args: Parameters<typeof actual.writeFileAtomic>): Promise<void> => {
      if (failures.metadataWrite && args[0].endsWith('.json')) {
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      }
      return actual.writeFileAtomic(...args);
    },
  };
});

const TEST4_DIR = new URL('../../fixtures/mccoy/mccoy-selftest-test4/', import.meta.url);
const test4Pem = readFileSync(fileURLToPath(new URL('test4.pem', TEST4_DIR)));
const test4UpdateKey = /<em:updateKey>([^<]+)<\/em:updateKey>/.exec(
  readFileSync(fileURLToPath(new URL('install.rdf', TEST4_DIR)), 'utf8'),
)![1]!;

const NOW = new Date('2026-03-01T12:00:00.000Z');
let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'outpost-keys-'));
  dir = path.join(root, 'state', 'keys'); // does not exist yet: the store creates it
  failures.metadataWrite = false;
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const store = (passphrase = 'store passphrase'): KeyStore => new KeyStore(dir, passphrase, () => NOW);
const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('KeyStore.create', () => {
  it('creates an encrypted 2048-bit key, 0600 files in a 0700 directory', async () => {
    const info = await store().create('main');
    expect(info).toMatchObject({ name: 'main', bits: 2048, createdAt: NOW.toISOString(), source: 'generated' });
    expect(info.updateKey.startsWith('MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A')).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['main.json', 'main.key.pem']);
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(path.join(dir, 'main.key.pem'))).toBe(0o600);
    expect(await modeOf(path.join(dir, 'main.json'))).toBe(0o600);
    expect(JSON.parse(await readFile(path.join(dir, 'main.json'), 'utf8'))).toEqual(info);
  });

  it('never stores the private key in clear', async () => {
    await store().create('main');
    for (const name of await readdir(dir)) {
      const text = await readFile(path.join(dir, name), 'utf8');
      expect(text).not.toContain('BEGIN PRIVATE KEY');
      expect(text).not.toContain('BEGIN RSA PRIVATE KEY');
    }
    const pem = await readFile(path.join(dir, 'main.key.pem'), 'utf8');
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(() => crypto.createPrivateKey(pem)).toThrow(); // unusable without the passphrase
  });

  it('gives a signer whose updateKey and signatures match, from a fresh store instance', async () => {
    const info = await store().create('main');
    const signer = await store().signer('main');
    expect(signer.updateKey).toBe(info.updateKey);
    const data = Buffer.from('signed text\n');
    const publicKey = crypto.createPublicKey({ key: Buffer.from(info.updateKey, 'base64'), format: 'der', type: 'spki' });
    expect(crypto.verify('sha512', data, publicKey, signer.sign(data, 'sha512'))).toBe(true);
  });

  it('refuses a taken name, a bad name and an unsupported size', async () => {
    await store().create('main');
    await expect(store().create('main')).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    await expect(store().create('../main')).rejects.toMatchObject({ code: 'KEY_NAME_INVALID' });
    await expect(store().create('other', 1024)).rejects.toMatchObject({ code: 'KEY_SIZE_UNSUPPORTED' });
  });

  it('leaves neither a key file nor a temp file when the metadata cannot be written', async () => {
    failures.metadataWrite = true;
    await expect(store().create('main')).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readdir(dir)).toEqual([]);
    failures.metadataWrite = false;
    await store().create('main'); // the name is free again
    expect(await store().list()).toHaveLength(1);
  });

  it('lets only one of two simultaneous creates of a name win', async () => {
    const results = await Promise.allSettled([store().create('race'), store().create('race')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'KEY_EXISTS' } });
    const survivor = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ updateKey: string }>).value;
    expect((await store().signer('race')).updateKey).toBe(survivor.updateKey);
    expect((await readdir(dir)).sort()).toEqual(['race.json', 'race.key.pem']);
  });

  it('refuses an empty store passphrase', () => {
    expect(() => store('')).toThrow(expect.objectContaining({ code: 'KEY_PASSPHRASE_REQUIRED' }));
  });
});

describe('KeyStore.import', () => {
  it("imports McCoy's test4.pem: 1024 bits, the install.rdf updateKey, and the weak-key warning", async () => {
    const { info, warnings } = await store().import('mccoy', test4Pem, 'keytest4');
    expect(info).toMatchObject({ name: 'mccoy', bits: 1024, source: 'pkcs8-encrypted', updateKey: test4UpdateKey });
    expect(warnings).toHaveLength(1);
    expect((await store().signer('mccoy')).updateKey).toBe(test4UpdateKey);
    // Stored re-encrypted under the store passphrase, not as the original file.
    const stored = await readFile(path.join(dir, 'mccoy.key.pem'));
    expect(stored.equals(test4Pem)).toBe(false);
    expect(stored.toString()).not.toContain('BEGIN PRIVATE KEY');
  });

  it('writes nothing when the file cannot be imported', async () => {
    await expect(store().import('bad', Buffer.from('not a key'))).rejects.toMatchObject({ code: 'KEY_FORMAT_UNKNOWN' });
    await expect(store().import('bad', test4Pem, 'wrong')).rejects.toMatchObject({ code: 'KEY_PASSWORD_WRONG' });
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const ecPem = Buffer.from(ec.export({ type: 'pkcs8', format: 'pem' }));
    await expect(store().import('bad', ecPem)).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED' });
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to import over an existing name', async () => {
    await store().import('mccoy', test4Pem, 'keytest4');
    await expect(store().import('mccoy', test4Pem, 'keytest4')).rejects.toMatchObject({ code: 'KEY_EXISTS' });
  });
});

describe('KeyStore with the wrong passphrase', () => {
  it('still lists keys but cannot sign, and says why', async () => {
    await store('right').import('mccoy', test4Pem, 'keytest4');
    const wrong = store('wrong');
    expect((await wrong.list()).map((k) => k.name)).toEqual(['mccoy']);
    await expect(wrong.signer('mccoy')).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_WRONG' });
  });
});

describe('KeyStore.list / info', () => {
  it('lists complete keys sorted by name and ignores leftovers', async () => {
    const s = store();
    await s.import('zeta', test4Pem, 'keytest4');
    await s.create('Alpha');
    await s.create('beta');
    await writeFile(path.join(dir, 'orphan.key.pem'), 'left by an interrupted create');
    await writeFile(path.join(dir, '.beta.json.0123456789ab.tmp'), '{}');
    await writeFile(path.join(dir, 'notes.txt'), 'hello');
    expect((await s.list()).map((k) => k.name)).toEqual(['Alpha', 'beta', 'zeta']);
    expect(await s.info('zeta')).toMatchObject({ bits: 1024, source: 'pkcs8-encrypted' });
  });

  it('is empty before the directory exists', async () => {
    expect(await store().list()).toEqual([]);
  });

  it('reports unknown names, and an orphan key file blocks its name with a clear error', async () => {
    const s = store();
    await expect(s.info('nope')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    await expect(s.signer('nope')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    await s.create('main');
    await writeFile(path.join(dir, 'orphan.key.pem'), 'x');
    await expect(s.create('orphan')).rejects.toMatchObject({ code: 'KEY_EXISTS' });
  });

  it('detects damaged metadata and a key file swapped for another', async () => {
    const s = store();
    await s.create('a');
    await s.import('b', test4Pem, 'keytest4');
    await copyFile(path.join(dir, 'a.key.pem'), path.join(dir, 'b.key.pem'));
    await expect(s.signer('b')).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
    await writeFile(path.join(dir, 'a.json'), '{"name":"a"');
    await expect(s.info('a')).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
  });

  it('calls a damaged key file a corrupt store, not an unknown key format', async () => {
    const s = store();
    await s.create('a');
    await writeFile(path.join(dir, 'a.key.pem'), 'truncated by a full disk');
    await expect(s.signer('a')).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
  });
});

describe('validateKeyName', () => {
  it.each(['a', 'main', 'McCoy-2009', 'key_1.0', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(() => validateKeyName(name)).not.toThrow();
  });

  it.each(['', '.hidden', '-dash', '../up', 'a/b', 'a\\b', 'with space', 'x'.repeat(65), 'ключ'])('refuses %j', (name) => {
    expect(() => validateKeyName(name)).toThrow(expect.objectContaining({ code: 'KEY_NAME_INVALID' }));
  });
});

describe('atomic writes in the store', () => {
  it('leave no temp files behind', async () => {
    const s = store();
    await s.create('one');
    await s.import('two', test4Pem, 'keytest4');
    await expect(s.create('one')).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    expect((await readdir(dir)).filter(atomicWrite.isAtomicTempName)).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['one.json', 'one.key.pem', 'two.json', 'two.key.pem']);
  });
});
