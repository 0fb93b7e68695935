import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { commitChange, recoverChanges } from '../../src/app/addon-changes.ts';
import type { ManifestService } from '../../src/app/manifests.ts';
import { SharedLock } from '../../src/app/shared-lock.ts';
import type { AddonRecord } from '../../src/catalog/addon-record.ts';
import { ChangeJournal } from '../../src/storage/change-journal.ts';
import { dataKeys } from '../../src/storage/data-keys.ts';
import { ObjectCatalogStore } from '../../src/storage/object-catalog-store.ts';
import { readObject, writeObject } from '../../src/storage/objects/object-bytes.ts';
import type { LeaseHandle } from '../../src/storage/objects/held-lease.ts';
import { LeaseGuardedObjects, underLease } from '../../src/storage/objects/lease-guard.ts';
import { ObjectLeases } from '../../src/storage/objects/object-leases.ts';
import { ObjectStoreError, type ObjectStore } from '../../src/storage/objects/object-store.ts';
import { errorCodeOf } from '../helpers/jami-expect.ts';
import { objectBackends } from '../helpers/object-backends.ts';
import { hookedStore } from '../helpers/object-store-hooks.ts';

/**
 * A change whose lease is lost part-way (renewals failing past the lease's margin, or the process
 * paused that long) writes nothing more: every further write of its task is refused with
 * STORAGE_LEASE_LOST, and its intent stays for recovery, which finishes or undoes it like a
 * crash's. The clock is the test's: a "pause" is a jump of it, never a wait.
 */
const ID = 'lease-lost@example.org';
const TTL = 30_000;
const MARGIN = 5_000;
/** A bucket that stops answering lease writes once `down.now` is set, as during a network split. */
const leasesFailWhen = (objects: ObjectStore, down: { now: boolean }) =>
  hookedStore(objects, {
    before: ({ op, key }) => {
      if (down.now && op === 'put' && key.startsWith('private/locks/')) throw new ObjectStoreError('STORAGE_UNAVAILABLE', 'injected: bucket unreachable');
    },
  });

function recordOf(revision: number, files: string[]): AddonRecord {
  return {
    id: ID, type: 'extension', name: 'Lease', publisherKey: 'default', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', revision,
    versions: files.map((file, i) => ({ version: `1.${i}`, file, size: 1, sha256: '0'.repeat(64), targets: [], targetPlatforms: [] }) as unknown as AddonRecord['versions'][number]),
    lastChange: { action: 'publish', actor: 'token:test', details: {} },
  };
}

describe.each(objectBackends('lease-lost').map((b) => [b.name, b] as const))('a change whose lease is lost, on a %s', (_name, backend) => {
  async function setup(pauseAt: 'before-save' | 'documents') {
    const { objects: raw } = await backend.open();
    const clock = { t: 1_000_000 };
    const objects = new LeaseGuardedObjects(raw);
    const { catalog } = await ObjectCatalogStore.open(objects, { dir: mkdtempSync(path.join(tmpdir(), 'outpost-mirror-')) });
    const journal = new ChangeJournal(objects);
    const down = { now: false };
    // Renewals fail from here on, and the clock jumps past the lease's margin.
    const pause = () => {
      down.now = true;
      clock.t += TTL;
    };
    // Documents stand for the manifest service: one object per revision, through the guarded store.
    const manifests = {
      render: async (r: AddonRecord) => r,
      write: async (r: AddonRecord) => {
        if (pauseAt === 'documents' && r.revision === 2) pause();
        await writeObject(objects, `${dataKeys.documents(r.id)}update.json`, JSON.stringify({ revision: r.revision }));
      },
      markRendered: async () => undefined,
    } as unknown as ManifestService;
    const deps = { objects, catalog, manifests, journal };
    const leases = new ObjectLeases(leasesFailWhen(raw, down), { ttlMs: TTL, marginMs: MARGIN, now: () => clock.t });
    const lock = new SharedLock(leases, async (id) => void (await catalog.refresh(id, { strict: true })));
    await lock.run(ID, () => commitChange(deps, undefined, recordOf(1, ['a.xpi'])));
    return { raw, catalog, deps, lock, pause };
  }

  it('stops before its record is saved and leaves its intent; recovery takes it back', async () => {
    const { raw, catalog, deps, lock, pause } = await setup('before-save');
    const change = lock.run(ID, () =>
      commitChange(deps, catalog.get(ID), recordOf(2, ['a.xpi', 'b.xpi']), {
        file: 'b.xpi',
        beforeSave: async () => {
          await writeObject(deps.objects, dataKeys.file(ID, 'b.xpi'), 'package');
          pause();
        },
      }),
    );
    expect(await errorCodeOf(change, ObjectStoreError)).toBe('STORAGE_LEASE_LOST');
    // Nothing after the pause landed: not the record, and not the undo either.
    expect(JSON.parse((await readObject(raw, `${dataKeys.addonRecords}${ID}.json`))!.toString('utf8')).revision).toBe(1);
    expect(await readObject(raw, dataKeys.intent(ID))).toBeDefined();

    const fresh = new SharedLock(new ObjectLeases(raw), async () => undefined);
    expect(await recoverChanges({ ...deps, objects: raw }, fresh)).toMatchObject({ undone: [ID], finished: [] });
    expect(await readObject(raw, dataKeys.intent(ID))).toBeUndefined();
    expect(await readObject(raw, dataKeys.file(ID, 'b.xpi'))).toBeUndefined();
  });

  it('stops after its record is saved and leaves its intent; recovery finishes it', async () => {
    const { raw, catalog, deps, lock } = await setup('documents');
    const change = lock.run(ID, () => commitChange(deps, catalog.get(ID), recordOf(2, ['a.xpi', 'b.xpi']), { file: 'b.xpi' }));
    expect(await errorCodeOf(change, ObjectStoreError)).toBe('STORAGE_LEASE_LOST');
    expect(JSON.parse((await readObject(raw, `${dataKeys.documents(ID)}update.json`))!.toString('utf8')).revision).toBe(1);
    expect(await readObject(raw, dataKeys.intent(ID))).toBeDefined();

    const fresh = new SharedLock(new ObjectLeases(raw), async () => undefined);
    expect(await recoverChanges({ ...deps, objects: raw }, fresh)).toMatchObject({ finished: [ID], undone: [] });
    expect(JSON.parse((await readObject(raw, `${dataKeys.documents(ID)}update.json`))!.toString('utf8')).revision).toBe(2);
    expect(await readObject(raw, dataKeys.intent(ID))).toBeUndefined();
  });

  it("aborts the lease's signal, and refuses writes only inside the task that lost it", async () => {
    const { objects: raw } = await backend.open();
    const objects = new LeaseGuardedObjects(raw);
    const clock = { t: 1_000_000 };
    const down = { now: false };
    const leases = new ObjectLeases(leasesFailWhen(raw, down), { ttlMs: TTL, marginMs: MARGIN, now: () => clock.t });
    let signal!: AbortSignal;
    const task = leases.hold('lost', (lease) =>
      underLease(lease, async () => {
        signal = lease.signal;
        await writeObject(objects, 'private/before.json', '{}');
        down.now = true;
        clock.t += TTL - MARGIN;
        await writeObject(objects, 'private/after.json', '{}');
      }),
    );
    expect(await errorCodeOf(task, ObjectStoreError)).toBe('STORAGE_LEASE_LOST');
    expect(signal.aborted).toBe(true);
    expect(await readObject(raw, 'private/before.json')).toBeDefined();
    expect(await readObject(raw, 'private/after.json')).toBeUndefined();
    // Outside any leased task (start-up, sessions, the feed), writes pass.
    await writeObject(objects, 'private/outside.json', '{}');
    expect(await readObject(raw, 'private/outside.json')).toBeDefined();
  });
});

const bucket = objectBackends('lease-abort').find((b) => b.name === 's3');
describe.skipIf(!bucket)('a write on its way when its lease is lost, on a bucket', () => {
  it('is abandoned: its request is aborted with STORAGE_LEASE_LOST and the object never lands', async () => {
    const { objects: raw } = await bucket!.open();
    const objects = new LeaseGuardedObjects(raw);
    const clock = { t: 1_000_000 };
    const leases = new ObjectLeases(raw, { ttlMs: TTL, marginMs: MARGIN, now: () => clock.t });
    // A body that gives its first part once the request is sending, and then nothing more.
    let sending!: () => void;
    const started = new Promise<void>((resolve) => (sending = resolve));
    let given = false;
    const body = new Readable({
      read() {
        if (given) return;
        given = true;
        this.push(Buffer.alloc(1024, 1));
        sending();
      },
    });
    let lease!: LeaseHandle;
    const task = leases.hold('in-flight', (held) =>
      underLease(held, () => {
        lease = held;
        return objects.put('private/in-flight.bin', body, 64 * 1024);
      }),
    );
    await started;
    // The clock passes the lease's margin; the next check finds it lost and aborts its signal.
    clock.t += TTL;
    expect(lease.stillHeld()).toBe(false);
    expect(await errorCodeOf(task, ObjectStoreError)).toBe('STORAGE_LEASE_LOST');
    expect(await raw.head('private/in-flight.bin')).toBeUndefined();
  });
});
