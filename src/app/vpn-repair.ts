import { createHash } from 'node:crypto';
import { isOutpostError } from '../errors.ts';
import { RCC } from '../limits.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import { dataKeys } from '../storage/data-keys.ts';
import { listNames, readObject } from '../storage/objects/object-bytes.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import type { VpnStore } from '../storage/vpn-store.ts';
import { inspectVpnUpload } from './vpn-inspect.ts';
import { reached, type KindRecovery } from './package-intents.ts';
import { INDEX_FILE, SIGNATURE_FILE, type VpnIndexWriter } from './vpn-index-writer.ts';
import type { VpnVisibility } from './vpn-visibility.ts';
import { nextVpnRecord, VPN_ADDON_TYPE, VPN_LOCK, type VpnPublishService } from './vpn-publish.ts';

export interface VpnRepairDeps {
  objects: ObjectStore;
  records: VpnStore;
  index: VpnIndexWriter;
  service: VpnPublishService;
  prefix: string;
  /** Every channel's current prefix: an old folder another channel now uses is left to it. */
  inUse?: readonly string[];
  /** A private channel's switch (vpn-visibility.ts): finished before the files are checked. */
  visibility?: Pick<VpnVisibility, 'drain'>;
  audit?: AuditLog;
  now?: () => Date;
}

export interface VpnRepairReport {
  /** Add-ons whose served file did not match their record. */
  repaired: string[];
  /** .rcc files no active record names, removed from the index folder; and what a visibility switch left in the other folder. */
  removed: string[];
  /** The index was rendered and signed again (with a new serial). */
  reindexed: boolean;
  /** What start-up could not put right; the operator's to look at. */
  problems: string[];
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** After OUTPOST_VPN_PREFIX changed: our files leave the old folder, so nothing stale is served there. */
async function removeOldIndex(objects: ObjectStore, oldPrefix: string): Promise<void> {
  let folder: string;
  try {
    folder = dataKeys.vpnIndex(oldPrefix);
  } catch {
    return; // a hand-edited state file: nothing of ours can be there
  }
  for (const name of await listNames(objects, folder)) {
    if (!name.includes('/') && (name === INDEX_FILE || name === SIGNATURE_FILE || name.endsWith('.rcc'))) await objects.remove(`${folder}${name}`);
  }
}

/**
 * Start-up: the records are the truth for the index folder. A withdrawn add-on's file goes aside;
 * a served file whose bytes differ from its record is the new upload of a publish that died after
 * the rename and before its record was saved, so that publish is finished (its owner was checked
 * before the rename); .rcc files no active record names are removed; and the index is signed
 * again unless it verifies, names exactly the active records and has half its validity left.
 */
export async function reconcileVpn(deps: VpnRepairDeps): Promise<VpnRepairReport> {
  const report: VpnRepairReport = { repaired: [], removed: [], reindexed: false, problems: [] };
  // In the channel's lock: with several instances on one bucket, another may be publishing.
  await deps.service.runLocked(() => repairFiles(deps, report));
  report.reindexed = await deps.service.refresh();
  return report;
}

/**
 * A VPN change cut short (intent id: the channel; the add-on: its audit entry's target), settled in
 * the channel's lock exactly as at start: files as the records say, the index re-signed if it no
 * longer names exactly the active records.
 */
export function vpnRecovery(channel: (name: string) => VpnRepairDeps | undefined): KindRecovery {
  return {
    kind: 'vpn',
    lockKey: (name) => `${VPN_LOCK}:${name}`,
    settle: async (intent) => {
      const deps = channel(intent.id);
      // A channel no longer configured: nothing of it is served any more, so nothing to put right.
      if (!deps) return false;
      const report: VpnRepairReport = { repaired: [], removed: [], reindexed: false, problems: [] };
      await repairFiles(deps, report);
      await deps.service.reindexIfStale();
      const target = intent.audit?.target;
      return reached(target === undefined ? undefined : deps.records.get(target), intent);
    },
  };
}

async function repairFiles(deps: VpnRepairDeps, report: VpnRepairReport): Promise<void> {
  const state = await deps.index.state();
  if (state && state.prefix !== deps.prefix && !deps.inUse?.includes(state.prefix)) await removeOldIndex(deps.objects, state.prefix);
  // A switch that died half-way leaves files in the folder the channel's setting does not name.
  if (deps.visibility) report.removed.push(...(await deps.visibility.drain()));
  for (const record of deps.records.list()) {
    if (record.withdrawnAt) {
      await deps.service.putAside(record);
      continue;
    }
    const served = await readObject(deps.objects, deps.service.servedKey(record.id), RCC.maxFileBytes).catch(() => undefined);
    if (!served) {
      report.problems.push(`${record.id}.rcc is missing from the index folder; publish it again or withdraw it`);
    } else if (sha256(served) !== record.sha256) {
      await finishPublish(deps, record.id, served, report);
    }
  }
  const folder = deps.index.folder();
  const named = new Set(deps.records.active().map((r) => `${r.id}.rcc`));
  for (const name of await listNames(deps.objects, folder)) {
    if (name.endsWith('.rcc') && !name.includes('/') && !named.has(name)) {
      await deps.objects.remove(`${folder}${name}`);
      report.removed.push(name);
    }
  }
}

async function finishPublish(deps: VpnRepairDeps, id: string, bytes: Buffer, report: VpnRepairReport): Promise<void> {
  const previous = deps.records.get(id)!;
  const at = (deps.now?.() ?? new Date()).toISOString();
  try {
    const addon = await inspectVpnUpload(bytes, { fileName: `${id}.rcc` });
    const record = nextVpnRecord(previous, addon, { keyName: previous.publisherKey, at, size: bytes.length });
    await deps.records.save(record);
    await deps.audit?.record({
      actor: 'startup-repair',
      action: 'publish',
      target: id,
      revision: record.revision,
      details: { type: VPN_ADDON_TYPE, channel: deps.service.channel, sha256: record.sha256, replaced: previous.sha256, finished: 'a publish interrupted before its record was saved' },
    });
    report.repaired.push(id);
  } catch (err) {
    if (!isOutpostError(err)) throw err;
    report.problems.push(`${id}.rcc does not match its record and is no valid add-on (${err.code}); publish it again`);
  }
}
