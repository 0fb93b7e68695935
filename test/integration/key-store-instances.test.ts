import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyStore, type KeyInfo } from '../../src/storage/key-store.ts';
import type { ObjectStore } from '../../src/storage/objects/object-store.ts';
import { keyBackends, keyObjects } from '../helpers/key-backends.ts';
import { barrier, hookedStore, type StoreCall } from '../helpers/object-store-hooks.ts';

/**
 * Several Outpost instances on one set of keys (a bucket they share; the same cases on a keys
 * folder, where the CLI and a server meet). Interleavings are forced with hooks on the store,
 * never with timing: a write is held until the other instance has reached a chosen point.
 */
const PASSPHRASE = 'shared passphrase';
const isMeta = (call: StoreCall): boolean => call.op === 'put' && call.key.endsWith('.json');
const isKeyFile = (call: StoreCall): boolean => call.op === 'put' && call.key.endsWith('.key.pem');
const killed = (): Error => new Error('the process was killed');

/** Resolves with the value of the fulfilled one, after checking the other lost with KEY_EXISTS. */
function oneWinner(results: PromiseSettledResult<KeyInfo>[]): KeyInfo {
  expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'KEY_EXISTS' } });
  return (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<KeyInfo>).value;
}

describe.each(keyBackends)('KeyStore instances sharing a %s', (_name, fresh) => {
  let connect: () => ObjectStore;
  const instance = (objects: ObjectStore = connect()): KeyStore => new KeyStore(objects, PASSPHRASE);

  it('sees on one instance the key another created, and signs with it', async () => {
    connect = await fresh();
    const [a, b] = [instance(), instance()];
    const info = await a.create('shared');
    expect(await b.list()).toEqual([info]);
    const data = Buffer.from('update.rdf bytes');
    const publicKey = crypto.createPublicKey({ key: Buffer.from(info.updateKey, 'base64'), format: 'der', type: 'spki' });
    expect(crypto.verify('sha512', data, publicKey, (await b.signer('shared')).sign(data, 'sha512'))).toBe(true);
  });

  it('lets exactly one of two creates racing to the metadata win, and keeps its pair whole', async () => {
    connect = await fresh();
    // Both have written their key file before either writes its metadata: the closest race there is.
    const bothReady = barrier(2);
    const racer = (): KeyStore => instance(hookedStore(connect(), { before: (call) => (isMeta(call) ? bothReady() : undefined) }));
    const winner = oneWinner(await Promise.allSettled([racer().create('race'), racer().create('race')]));
    expect((await instance().signer('race')).updateKey).toBe(winner.updateKey);
    expect(await instance().list()).toEqual([winner]);
    // The loser took its key file away; the winner's is the only one left.
    const left = await keyObjects(connect());
    expect(left).toHaveLength(2);
    expect(left).toContain('race.json');
  });

  it('lets a create that lost before writing anything leave the winner untouched', async () => {
    connect = await fresh();
    let reached!: () => void;
    let release!: () => void;
    const atKeyFile = new Promise<void>((resolve) => (reached = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    // The late one checked the name while it was free, then waits at its key file for the other to finish.
    const late = instance(hookedStore(connect(), { before: async (call) => { if (isKeyFile(call)) { reached(); await held; } } }));
    const lateCreate = late.create('late');
    await atKeyFile;
    const winner = await instance().create('late');
    release();
    await expect(lateCreate).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    expect(await keyObjects(connect())).toEqual(['late.json', 'late.key.pem']);
    expect((await instance().signer('late')).updateKey).toBe(winner.updateKey);
  });

  it('lists no key after a crash between key file and metadata, and a later create of the name works', async () => {
    connect = await fresh();
    let dead = false;
    const dying = instance(hookedStore(connect(), {
      before: (call) => {
        if (isMeta(call)) dead = true; // killed before the metadata reached the store
        if (dead) throw killed(); // and it never cleans up
      },
    }));
    await expect(dying.create('crash')).rejects.toThrow('killed');
    expect(await keyObjects(connect())).toEqual(['crash.key.pem']);
    expect(await instance().list()).toEqual([]);
    await expect(instance().info('crash')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    const info = await instance().create('crash');
    expect(await instance().list()).toEqual([info]);
    expect((await instance().signer('crash')).updateKey).toBe(info.updateKey);
  });

  it('takes its key file away when the metadata cannot be written, so the name stays free', async () => {
    connect = await fresh();
    const full = instance(hookedStore(connect(), { before: (call) => { if (isMeta(call)) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }); } }));
    await expect(full.create('main')).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await keyObjects(connect())).toEqual([]);
    await instance().create('main');
    expect(await instance().list()).toHaveLength(1);
  });

  it('keeps a key whose metadata was written but whose answer was lost', async () => {
    connect = await fresh();
    const lossy = instance(hookedStore(connect(), { after: (call) => { if (isMeta(call)) throw new Error('socket hang up'); } }));
    const info = await lossy.create('main');
    expect(await instance().list()).toEqual([info]);
    expect((await instance().signer('main')).updateKey).toBe(info.updateKey);
  });
});
