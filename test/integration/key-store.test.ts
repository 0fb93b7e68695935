import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KEYS_PREFIX, KeyStore } from '../../src/storage/key-store.ts';
import { readObject, writeObject } from '../../src/storage/objects/object-bytes.ts';
import type { ObjectStore } from '../../src/storage/objects/object-store.ts';
import { keyBackends, keyObjects } from '../helpers/key-backends.ts';
import { test4 } from '../helpers/mccoy-test4.ts';

/**
 * The publisher key store's behaviour, the same cases on a keys folder and on a real S3 bucket
 * (the objects under private/keys/; folder-only details are in test/unit/storage/key-store.test.ts).
 */
const NOW = new Date('2026-03-01T12:00:00.000Z');
const KEY = (name: string): string => `${KEYS_PREFIX}${name}`;

describe.each(keyBackends)('KeyStore on a %s', (_name, fresh) => {
  async function open(): Promise<{ objects: ObjectStore; store: (passphrase?: string) => KeyStore }> {
    const connect = await fresh();
    return { objects: connect(), store: (passphrase = 'store passphrase') => new KeyStore(connect(), passphrase, () => NOW) };
  }

  it('creates an encrypted 2048-bit key as <name>.key.pem and <name>.json, metadata equal to its info', async () => {
    const { objects, store } = await open();
    const info = await store().create('main');
    expect(info).toMatchObject({ name: 'main', bits: 2048, createdAt: NOW.toISOString(), source: 'generated' });
    expect(info.updateKey.startsWith('MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A')).toBe(true);
    expect(await keyObjects(objects)).toEqual(['main.json', 'main.key.pem']);
    expect(JSON.parse((await readObject(objects, KEY('main.json')))!.toString())).toEqual(info);
  });

  it('never stores the private key in clear', async () => {
    const { objects, store } = await open();
    await store().create('main');
    for (const name of await keyObjects(objects)) {
      const text = (await readObject(objects, KEY(name)))!.toString();
      expect(text).not.toContain('BEGIN PRIVATE KEY');
      expect(text).not.toContain('BEGIN RSA PRIVATE KEY');
    }
    const pem = (await readObject(objects, KEY('main.key.pem')))!.toString();
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(() => crypto.createPrivateKey(pem)).toThrow(); // unusable without the passphrase
  });

  it('gives a signer whose updateKey and signatures match, from a fresh store instance', async () => {
    const { store } = await open();
    const info = await store().create('main');
    const signer = await store().signer('main');
    expect(signer.updateKey).toBe(info.updateKey);
    const data = Buffer.from('signed text\n');
    const publicKey = crypto.createPublicKey({ key: Buffer.from(info.updateKey, 'base64'), format: 'der', type: 'spki' });
    expect(crypto.verify('sha512', data, publicKey, signer.sign(data, 'sha512'))).toBe(true);
    expect((await store().crxSigner('main')).publicKeySpki.equals(Buffer.from(info.updateKey, 'base64'))).toBe(true);
  });

  it('refuses a taken name, a bad name, an unsupported size and an empty passphrase', async () => {
    const { store } = await open();
    await store().create('main');
    await expect(store().create('main')).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    await expect(store().import('main', test4.pem, test4.password)).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    await expect(store().create('../main')).rejects.toMatchObject({ code: 'KEY_NAME_INVALID' });
    await expect(store().create('main@1')).rejects.toMatchObject({ code: 'KEY_NAME_INVALID' });
    await expect(store().create('other', 1024)).rejects.toMatchObject({ code: 'KEY_SIZE_UNSUPPORTED' });
    expect(() => store('')).toThrow(expect.objectContaining({ code: 'KEY_PASSPHRASE_REQUIRED' }));
  });

  it("imports McCoy's test4.pem re-encrypted: 1024 bits, the install.rdf updateKey, the weak-key warning", async () => {
    const { objects, store } = await open();
    const { info, warnings } = await store().import('mccoy', test4.pem, test4.password);
    expect(info).toMatchObject({ name: 'mccoy', bits: 1024, source: 'pkcs8-encrypted', updateKey: test4.updateKey });
    expect(warnings).toHaveLength(1);
    expect((await store().signer('mccoy')).updateKey).toBe(test4.updateKey);
    const stored = (await readObject(objects, KEY('mccoy.key.pem')))!;
    expect(stored.equals(test4.pem)).toBe(false);
    expect(stored.toString()).not.toContain('BEGIN PRIVATE KEY');
  });

  it('writes nothing when a file cannot be imported', async () => {
    const { objects, store } = await open();
    await expect(store().import('bad', Buffer.from('not a key'))).rejects.toMatchObject({ code: 'KEY_FORMAT_UNKNOWN' });
    await expect(store().import('bad', test4.pem, 'wrong')).rejects.toMatchObject({ code: 'KEY_PASSWORD_WRONG' });
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await expect(store().import('bad', Buffer.from(ec.export({ type: 'pkcs8', format: 'pem' })))).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED' });
    expect(await keyObjects(objects)).toEqual([]);
  });

  it('lists keys with the wrong passphrase, but cannot sign, and says why', async () => {
    const { store } = await open();
    await store('right').import('mccoy', test4.pem, test4.password);
    expect((await store('wrong').list()).map((k) => k.name)).toEqual(['mccoy']);
    await expect(store('wrong').signer('mccoy')).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_WRONG' });
  });

  it('lists complete keys sorted by name, nothing before the first, and ignores leftovers', async () => {
    const { objects, store } = await open();
    expect(await store().list()).toEqual([]);
    await store().import('zeta', test4.pem, test4.password);
    await store().create('Alpha');
    await store().create('beta');
    await writeObject(objects, KEY('orphan.key.pem'), 'left by an interrupted create');
    await writeObject(objects, KEY('notes.txt'), 'hello');
    await writeObject(objects, KEY('passphrase'), 'a generated passphrase, in a folder');
    expect((await store().list()).map((k) => k.name)).toEqual(['Alpha', 'beta', 'zeta']);
    expect(await store().info('zeta')).toMatchObject({ bits: 1024, source: 'pkcs8-encrypted' });
  });

  it('reports unknown names; an orphan key file does not block its name', async () => {
    const { objects, store } = await open();
    await expect(store().info('nope')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    await expect(store().signer('nope')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    await writeObject(objects, KEY('orphan.key.pem'), 'x');
    const info = await store().create('orphan');
    expect((await store().signer('orphan')).updateKey).toBe(info.updateKey);
    expect((await readObject(objects, KEY('orphan.key.pem')))!.toString()).toBe('x'); // not overwritten: see #putKeyFile
  });

  it('detects damaged metadata, a key file swapped for another, a damaged or missing key file', async () => {
    const { objects, store } = await open();
    await store().create('a');
    await store().import('b', test4.pem, test4.password);
    await store().import('c', test4.pem, test4.password);
    await writeObject(objects, KEY('b.key.pem'), (await readObject(objects, KEY('a.key.pem')))!);
    await expect(store().signer('b')).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
    await writeObject(objects, KEY('b.key.pem'), 'truncated by a full disk');
    await expect(store().signer('b')).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
    await objects.remove(KEY('c.key.pem'));
    await expect(store().signer('c')).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
    expect((await store().list()).map((k) => k.name)).toEqual(['a', 'b']); // c has no key file
    await writeObject(objects, KEY('a.json'), '{"name":"a"');
    await expect(store().info('a')).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
  });

  it("refuses metadata that names another key's file", async () => {
    const { objects, store } = await open();
    const a = await store().create('a');
    await store().import('b', test4.pem, test4.password);
    await writeObject(objects, KEY('a.json'), JSON.stringify({ ...a, keyFile: 'b.key.pem' }));
    await expect(store().signer('a')).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
  });

  it('removes a key: metadata and key file, for every instance', async () => {
    const { objects, store } = await open();
    await store().create('gone');
    await store().import('kept', test4.pem, test4.password);
    await store().remove('gone');
    expect(await keyObjects(objects)).toEqual(['kept.json', 'kept.key.pem']);
    await expect(store().info('gone')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    await expect(store().remove('gone')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    await store().create('gone'); // the name is free again
  });
});
