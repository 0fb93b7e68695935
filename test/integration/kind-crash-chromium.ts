import { expect } from 'vitest';
import { packageKey } from '../../src/app/addon-changes.ts';
import type { ChromiumRecord } from '../../src/storage/chromium-store.ts';
import { dataKeys } from '../../src/storage/data-keys.ts';
import { listNames } from '../../src/storage/objects/object-bytes.ts';
import { buildExtensionZip, extensionManifest } from '../helpers/crx-build.ts';
import { call, objectsOf, sha256, storedSha, type Harness, type Scenario } from './kind-crash-harness.ts';

/** Chromium: every offered .crx exists and hashes as the answer says, in both documents. */
async function checkChromium(h: Harness, acked: Map<string, boolean>): Promise<void> {
  for (const record of h.server.outpost.chromiumRecords.list()) {
    if (record.private) {
      await checkPrivateChromium(h, record);
      continue;
    }
    const documents = [
      await (await fetch(`${h.server.url}/updates/${record.id}/updates.xml`)).text(),
      await (await fetch(`${h.server.url}/chromium/updates.xml?x=${encodeURIComponent(`id=${record.id}&v=0.0.1&uc`)}`)).text(),
    ];
    // Each test instance has a public URL of its own (its port): links are compared without it.
    const local = (text: string) => text.replaceAll(/http:\/\/127\.0\.0\.1:\d+/g, h.server.url);
    expect(local(documents[0]!)).toBe(local(h.server.outpost.chromium.staticDocument(record)));
    for (const xml of documents) {
      const check = /<updatecheck[^>]*codebase="([^"]+)"[^>]*hash_sha256="([0-9a-f]+)"/.exec(local(xml));
      if (!check) continue;
      const res = await fetch(check[1]!);
      expect(res.status, check[1]).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(check[2]);
    }
    for (const v of record.versions) {
      expect(await storedSha(h, dataKeys.file(record.id, v.file)), v.file).toBe(v.withdrawnAt ? undefined : v.sha256);
    }
    const named = record.versions.filter((v) => !v.withdrawnAt).map((v) => v.file).sort();
    expect((await listNames(objectsOf(h), dataKeys.files(record.id))).sort()).toEqual(named);
  }
  for (const [key, active] of acked) {
    const [id, version] = key.split(' ');
    const entry = h.server.outpost.chromiumRecords.get(id!)?.versions.find((v) => v.version === version);
    expect(entry, key).toBeDefined();
    expect(!entry!.withdrawnAt, key).toBe(active);
  }
}

/** A private extension: nothing of it under public/, the public check as for an unknown id, its offered packages aside. */
async function checkPrivateChromium(h: Harness, record: ChromiumRecord): Promise<void> {
  expect((await fetch(`${h.server.url}/updates/${record.id}/updates.xml`)).status).toBe(404);
  expect(await (await fetch(`${h.server.url}/chromium/updates.xml?x=${encodeURIComponent(`id=${record.id}&v=0.0.1&uc`)}`)).text()).toContain('status="noupdate"');
  for (const prefix of [dataKeys.files(record.id), dataKeys.documents(record.id), `public/icons/${record.id}/`]) expect(await listNames(objectsOf(h), prefix), prefix).toEqual([]);
  for (const v of record.versions) expect(await storedSha(h, packageKey(record, v)), v.file).toBe(v.sha256);
}

/** Making one extension private, then public, then private…: each round cut at its next write. */
export function chromiumVisibility(): Scenario {
  let id = '';
  let asked = false;
  let wanted: boolean | undefined;
  return {
    prepare: async (h, round) => {
      if (round > 1) return;
      const form = new FormData();
      form.set('package', new Blob([new Uint8Array(await buildExtensionZip(extensionManifest({ version: '3.0' })))]), 'ext.zip');
      const res = await fetch(`${h.server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${h.token}` } });
      id = ((await res.json()) as { id: string }).id;
    },
    change: (h) => {
      asked = !h.server.outpost.chromiumRecords.get(id)?.private;
      return call(h, 'POST', `/chromium/${id}/visibility/${asked ? 'private' : 'public'}`);
    },
    // Cut short: finished or taken back, either state is right; answered: the state asked for.
    answered: (_round, status) => void (wanted = status === 200 ? asked : undefined),
    check: async (h) => {
      if (wanted !== undefined) expect(Boolean(h.server.outpost.chromiumRecords.get(id)?.private)).toBe(wanted);
      await checkChromium(h, new Map());
    },
  };
}

export function chromiumPublish(firstPublish: boolean): Scenario {
  const acked = new Map<string, boolean>();
  const tokens = new Map<number, string>();
  let pending = '';
  return {
    // A first publish each round: a new publisher key packs a new extension id.
    prepare: async (h, round) => {
      if (!firstPublish) return;
      await h.server.outpost.keys.create(`k${round}`);
      tokens.set(round, (await h.server.outpost.tokens.create(`k${round}`, `round ${round}`)).token);
    },
    change: async (h, round) => {
      const version = firstPublish ? '1.0' : `1.${round}`;
      const form = new FormData();
      form.set('package', new Blob([new Uint8Array(await buildExtensionZip(extensionManifest({ version })))]), 'ext.zip');
      const res = await fetch(`${h.server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${tokens.get(round) ?? h.token}` } });
      pending = res.status === 201 ? `${((await res.json()) as { id: string }).id} ${version}` : '';
      return res.status;
    },
    answered: () => void (pending && acked.set(pending, true)),
    check: (h) => checkChromium(h, acked),
  };
}

export function chromiumWithdraw(): Scenario {
  const acked = new Map<string, boolean>();
  let id = '';
  return {
    prepare: async (h, round) => {
      const form = new FormData();
      form.set('package', new Blob([new Uint8Array(await buildExtensionZip(extensionManifest({ version: `2.${round}` })))]), 'ext.zip');
      const res = await fetch(`${h.server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${h.token}` } });
      expect(res.status).toBe(201);
      id = ((await res.json()) as { id: string }).id;
      acked.set(`${id} 2.${round}`, true);
    },
    change: (h, round) => call(h, 'DELETE', `/chromium/${id}/versions/2.${round}`),
    // A withdrawal cut short may be finished or taken back: either state is right.
    answered: (round, status) => void (status === 200 ? acked.set(`${id} 2.${round}`, false) : acked.delete(`${id} 2.${round}`)),
    check: (h) => checkChromium(h, acked),
  };
}
