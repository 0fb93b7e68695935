/**
 * Jami, Chromium and VPN changes stopped at every write in turn (on a bucket, at one), as
 * a kill would stop them: from the chosen write on, the instance's store refuses everything
 * (leases aside, so the lease is released as after a lost process's expiry, without the 30 s
 * wait). Then, on a bucket, a running
 * second instance's periodic recovery repairs it; on both backends, a restart does. Each time,
 * every served document must agree with the records and the stored bytes, no intent may be left,
 * and every change that was answered must be there.
 */
import crypto from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataKeys } from '../../src/storage/data-keys.ts';
import { listNames } from '../../src/storage/objects/object-bytes.ts';
import type { ObjectStore } from '../../src/storage/objects/object-store.ts';
import { verifyIndex } from '../../src/vpn/vpn-index.ts';
import { buildJpl, signerFor, type JplSigner } from '../helpers/jami-jpl.ts';
import { jamiPki } from '../helpers/jami-pki.ts';
import { hookedStore } from '../helpers/object-store-hooks.ts';
import { vpnManifest } from '../helpers/qt-rcc.ts';
import { serverBackends } from '../helpers/server-backends.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { rccOf } from '../unit/vpn/rcc-build.ts';
import { chromiumPublish, chromiumVisibility, chromiumWithdraw } from './kind-crash-chromium.ts';
import { jamiVisibility } from './kind-crash-jami.ts';
import { call, objectsOf, post, sha256, storedSha, type Harness, type Scenario } from './kind-crash-harness.ts';

const WRITES = new Set(['put', 'adopt', 'move', 'remove']);
const LINUX = 'x86_64-linux-gnu';

let signer: JplSigner;
let jamiEnv: NodeJS.ProcessEnv;

function jamiPublish(id: (round: number) => string): Scenario {
  const acked = new Map<string, Set<string>>();
  return {
    change: async (h, round) => post(h, await buildJpl({ id: id(round), version: `1.0.${round}`, signWith: signer }), 'plugin.jpl'),
    answered: (round, status) => {
      if (status === 201) acked.set(id(round), (acked.get(id(round)) ?? new Set()).add(`1.0.${round}`));
    },
    check: async (h) => {
      for (const record of h.server.outpost.plugins.list()) {
        const listed = (await (await fetch(`${h.server.url}/jami/versions/${record.id}?arch=${LINUX}`)).json()) as { version: string }[];
        expect(listed.map((v) => v.version).sort()).toEqual(record.versions.map((v) => v.version).sort());
        const named = new Set<string>();
        for (const v of record.versions) {
          expect(await storedSha(h, dataKeys.jamiFile(record.id, v.file)), v.file).toBe(v.sha256);
          for (const f of [v.file, v.icon?.file, v.background?.file]) if (f) named.add(f);
        }
        // Nothing a record does not name is left in the public tree.
        expect((await listNames(objectsOf(h), dataKeys.jamiFiles(record.id))).sort()).toEqual([...named].sort());
      }
      for (const [pluginId, versions] of acked) {
        const record = h.server.outpost.plugins.get(pluginId);
        for (const v of versions) expect(record?.versions.map((x) => x.version), `${pluginId} ${v}`).toContain(v);
      }
    },
  };
}

/** VPN: the index verifies, names only .rcc present with its sha256, and every .rcc it serves. */
async function checkVpn(h: Harness, acked: Map<string, string | null>): Promise<void> {
  const get = async (name: string) => Buffer.from(await (await fetch(`${h.server.url}/vpn/${name}`)).arrayBuffer());
  // No index was ever written (the first publish was cut short): nothing may be listed then.
  if ((await fetch(`${h.server.url}/vpn/manifest.json`)).status === 404) {
    expect(h.server.outpost.vpnRecords.active()).toEqual([]);
    expect([...acked.values()].filter(Boolean)).toEqual([]);
    return;
  }
  const key = crypto.createPublicKey(((await (await fetch(`${h.server.url}/api/v1/vpn/key`, { headers: { authorization: `Bearer ${h.token}` } })).json()) as { pem: string }).pem);
  const index = verifyIndex(await get('manifest.json'), await get('manifest.json.sig'), key);
  for (const addon of index.addons) expect(sha256(await get(`${addon.id}.rcc`)), addon.id).toBe(addon.sha256);
  const listed = index.addons.map((a) => `${a.id}.rcc`).sort();
  expect((await listNames(objectsOf(h), dataKeys.vpnIndex('/vpn'))).filter((n) => n.endsWith('.rcc')).sort()).toEqual(listed);
  const active = h.server.outpost.vpnRecords.active().map((r) => `${r.id} ${r.sha256}`).sort();
  expect(index.addons.map((a) => `${a.id} ${a.sha256}`).sort()).toEqual(active);
  for (const [id, sha] of acked) expect(index.addons.find((a) => a.id === id)?.sha256 ?? null, id).toBe(sha);
}

function vpnPublish(firstPublish: boolean): Scenario {
  const acked = new Map<string, string | null>();
  const idOf = (round: number) => (firstPublish ? `crash_new_${round}` : 'crash_demo');
  const bytesOf = (round: number) => rccOf({ 'manifest.json': JSON.stringify(vpnManifest(idOf(round), { name: `Round ${round}` })) });
  return {
    change: (h, round) => post(h, bytesOf(round), `${idOf(round)}.rcc`),
    answered: (round, status) => {
      // A publish cut short may be finished at start (its bytes were in place): either state is right.
      if (status === 201) acked.set(idOf(round), sha256(bytesOf(round)));
      else if (!firstPublish) acked.delete(idOf(round));
    },
    check: (h) => checkVpn(h, acked),
  };
}

function vpnWithdraw(): Scenario {
  const acked = new Map<string, string | null>();
  return {
    prepare: async (h, round) => {
      const bytes = rccOf({ 'manifest.json': JSON.stringify(vpnManifest(`crash_gone_${round}`)) });
      expect(await post(h, bytes, `crash_gone_${round}.rcc`)).toBe(201);
      acked.set(`crash_gone_${round}`, sha256(bytes));
    },
    change: (h, round) => call(h, 'DELETE', `/vpn/crash_gone_${round}`),
    answered: (round, status) => (status === 200 ? void acked.set(`crash_gone_${round}`, null) : void acked.delete(`crash_gone_${round}`)),
    check: (h) => checkVpn(h, acked),
  };
}

const SCENARIOS: [string, () => Scenario][] = [
  ['a Jami first publish', () => jamiPublish((round) => `CrashNew${round}`)],
  ['a Jami publish of a next version', () => jamiPublish(() => 'CrashPlugin')],
  ['a Chromium first publish', () => chromiumPublish(true)],
  ['a Chromium publish of a next version', () => chromiumPublish(false)],
  ['a Chromium withdrawal', () => chromiumWithdraw()],
  ['a Chromium visibility switch', () => chromiumVisibility()],
  ['a Jami visibility switch', () => jamiVisibility(() => signer)],
  ['a VPN first publish', () => vpnPublish(true)],
  ['a VPN replacement', () => vpnPublish(false)],
  ['a VPN withdrawal', () => vpnWithdraw()],
];

let servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

beforeAll(async () => {
  const pki = await jamiPki();
  signer = signerFor(pki, pki.plugin, pki.org);
  const anchor = path.join(mkdtempSync(path.join(tmpdir(), 'outpost-kind-crash-')), 'anchor.pem');
  writeFileSync(anchor, pki.root.pem);
  jamiEnv = { OUTPOST_JAMI_TRUST_ANCHORS: anchor };
});

/**
 * On a bucket every round costs a restart and a resync against the gateway (seconds each): there,
 * one scenario per kind, cut at its second write (after the intent, before the change is whole)
 * and then let through. The recovery code is the same on both backends; what the bucket adds is
 * the running instance's repair and the store's own semantics.
 */
const ON_BUCKET = new Set(['a Jami publish of a next version', 'a Chromium withdrawal', 'a VPN replacement']);
const BUCKET_CUTS = [2];

describe.each(serverBackends('kind-crash'))('changes cut short at every write, on a %s', (backend, backendEnv) => {
  const scenarios = backend === 'bucket' ? SCENARIOS.filter(([name]) => ON_BUCKET.has(name)) : SCENARIOS;
  /** The write a round cuts the change at: every one in turn on a folder; past the last, none. */
  const cutAt = (round: number) => (backend === 'bucket' ? (BUCKET_CUTS[round - 1] ?? Infinity) : round);
  it.each(scenarios)('%s', async (_name, make) => {
    const scenario = make();
    const dir = mkdtempSync(path.join(tmpdir(), 'outpost-kind-crash-'));
    const env = { ...jamiEnv, ...(await backendEnv()) };
    // From write `at` on, this instance's store refuses every call, as a killed process makes none.
    const crash = { at: Infinity, writes: 0, dead: false };
    const around = (objects: ObjectStore) =>
      hookedStore(objects, {
        before: ({ op }) => {
          if (!crash.dead && WRITES.has(op) && ++crash.writes >= crash.at) crash.dead = true;
          if (crash.dead) throw new Error('injected: the process was killed');
        },
      });
    const start = async () => {
      const server = await startServer({ dir, env, around });
      servers.push(server);
      return server;
    };
    const first = await start();
    const h: Harness = { server: first, token: first.token };
    // On a bucket, a second instance that stays up repairs what the first one left.
    const other = backend === 'bucket' ? await startServer({ dir: mkdtempSync(path.join(tmpdir(), 'outpost-kind-other-')), env }) : undefined;
    if (other) servers.push(other);
    for (let round = 1; ; round++) {
      await scenario.prepare?.(h, round);
      Object.assign(crash, { at: cutAt(round), writes: 0 });
      const status = await scenario.change(h, round);
      const cut = crash.dead;
      crash.at = Infinity;
      scenario.answered?.(round, cut ? undefined : status);
      if (!cut) expect(status, `round ${round}`).toBeLessThan(300);
      if (other) {
        // Its periodic recovery, with a clock past every intent's lease.
        await other.outpost.sync!.resync(Date.now() + 10 * 60_000);
        await scenario.check({ server: other, token: h.token });
        expect(await listNames(other.outpost.objects, dataKeys.intents), `round ${round}`).toEqual([]);
      }
      await h.server.close();
      servers = servers.filter((s) => s !== h.server);
      crash.dead = false;
      h.server = await start();
      await scenario.check(h).catch((err: Error) => {
        throw new Error(`round ${round} (status ${status}, cut ${cut}): ${err.message}`, { cause: err });
      });
      expect(await listNames(objectsOf(h), dataKeys.intents), `round ${round}`).toEqual([]);
      if (!cut) break;
    }
  }, 600_000);
});
