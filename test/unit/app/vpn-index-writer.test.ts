import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignerCache } from '../../../src/app/signer-cache.ts';
import { VpnIndexKey } from '../../../src/app/vpn-index-key.ts';
import { VpnIndexWriter } from '../../../src/app/vpn-index-writer.ts';
import { DataLayout } from '../../../src/storage/data-layout.ts';
import { FolderObjects } from '../../../src/storage/objects/folder-objects.ts';
import { KeyStore, keysFolder } from '../../../src/storage/key-store.ts';
import { VpnStore, type VpnRecord } from '../../../src/storage/vpn-store.ts';
import { OutpostError } from '../../../src/errors.ts';

const DAY = 86_400_000;

/** The serial and freshness rules of the served index, with a 2048-bit key and a fixed clock. */
describe('VpnIndexWriter', () => {
  let dir: string;
  let layout: DataLayout;
  let keys: KeyStore;
  let records: VpnStore;
  let now = new Date('2030-01-01T00:00:00Z');
  const writer = (keyName = 'idx') =>
    new VpnIndexWriter({ objects: new FolderObjects(layout.root), records, key: new VpnIndexKey({ keys, signers: new SignerCache(keys), keyName }), prefix: '/vpn', indexDays: 10, now: () => now });
  const served = () => JSON.parse(readFileSync(path.join(layout.publicDir, 'vpn', 'manifest.json'), 'utf8'));
  const record = (id: string): VpnRecord => ({
    id, name: id, type: 'message', publisherKey: 'default', sha256: crypto.createHash('sha256').update(id).digest('hex'), size: 1,
    conditions: {}, createdAt: now.toISOString(), publishedAt: now.toISOString(), updatedAt: now.toISOString(), revision: 1, history: [],
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'outpost-vpn-writer-'));
    layout = new DataLayout(path.join(dir, 'storage'));
    await layout.ensure();
    keys = new KeyStore(keysFolder(path.join(dir, 'keys')), 'test passphrase');
    await keys.create('idx', 2048);
    await keys.create('idx2', 2048);
    records = (await VpnStore.open(new FolderObjects(layout.root))).vpn;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('issues serials that only grow, even after the state file is lost', async () => {
    await records.save(record('alpha'));
    const index = writer();
    expect((await index.publish()).serial).toBe(1);
    expect((await index.publish()).serial).toBe(2);
    rmSync(layout.vpnStateFile);
    expect((await index.publish()).serial).toBe(3);
    expect(served()).toMatchObject({ serial: 3, expires: new Date(now.getTime() + 10 * DAY).toISOString(), addons: [{ id: 'alpha' }] });
  });

  it('is current until half its validity has passed, the records change, or the files are torn', async () => {
    const index = writer();
    expect(await index.isCurrent()).toBe(true);
    now = new Date(now.getTime() + 5 * DAY + 1);
    expect(await index.isCurrent()).toBe(false);
    await index.publish();
    expect(await index.isCurrent()).toBe(true);
    await records.save(record('beta'));
    expect(await index.isCurrent()).toBe(false);
    await index.publish();
    expect(served().addons.map((a: { id: string }) => a.id)).toEqual(['alpha', 'beta']);
    const file = path.join(layout.publicDir, 'vpn', 'manifest.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"alpha"', '"alpha2"'));
    expect(await index.isCurrent()).toBe(false);
  });

  it('is not current for another key', async () => {
    await writer().publish();
    expect(await writer('idx2').isCurrent()).toBe(false);
  });

  it('refuses an index key under 2048 bits', async () => {
    const small = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    await keys.import('small', Buffer.from(small));
    const err = await writer('small').publish().catch((e: unknown) => e);
    expect((err as OutpostError).code).toBe('VPN_KEY_TOO_SMALL');
  });
});
