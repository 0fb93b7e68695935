import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AUTH_STATE_FOLDERS } from '../auth/auth-state.ts';
import { isAtomicTempName, writeFileAtomic } from '../storage/atomic-write.ts';
import type { DataLayout } from '../storage/data-layout.ts';
import { recoverChanges } from './addon-changes.ts';
import type { Outpost } from './outpost.ts';
import { reconcileVpn, type VpnRepairReport } from './vpn-repair.ts';

/**
 * What shapes every served document besides the records themselves. When any of it differs from
 * what the documents on disk were rendered with, all of them are rendered again at start, so nginx
 * never serves links to an old host name. Bump RENDERER when the document format changes.
 */
const RENDERER = 1;

function renderSettings(outpost: Outpost): string {
  const { publicUrl, updateHash } = outpost.config;
  return `${JSON.stringify({ renderer: RENDERER, publicUrl, updateHash })}\n`;
}

function settingsFile(layout: DataLayout): string {
  return path.join(layout.privateDir, 'render-settings.json');
}

/** Files a crash can leave behind: staged uploads, and atomic-write temp files next to their target. */
async function removeLeftovers(layout: DataLayout, documentIds: readonly string[], vpnDirs: readonly string[]): Promise<number> {
  let removed = 0;
  const sweep = async (dir: string, all: boolean, deep: boolean): Promise<void> => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (deep) await sweep(full, all, deep);
      } else if (all || isAtomicTempName(entry.name)) {
        await rm(full, { force: true });
        removed++;
      }
    }
  };
  await sweep(layout.tmpDir, true, false);
  for (const dir of [layout.privateDir, layout.addonsDir, layout.intentsDir, layout.jamiRecordsDir, layout.chromiumRecordsDir, ...vpnDirs]) {
    await sweep(dir, false, false);
  }
  // Sessions and sign-in counts (auth/auth-state.ts) are written through the folder object store.
  for (const dir of AUTH_STATE_FOLDERS) await sweep(path.join(layout.root, ...dir.split('/')), false, true);
  // Document folders are only written under an intent or a stale mark (add-ons) or by a Chromium
  // change (few, small folders): only those can hold temp files.
  for (const id of documentIds) await sweep(layout.documentsDir(id), false, true);
  return removed;
}

export interface StartupReport {
  leftoversRemoved: number;
  finished: string[];
  undone: string[];
  rebuilt: string[];
  failed: { id: string; error: Error }[];
  problems: { file: string; reason: string }[];
  rerendered: boolean;
  /** Chromium extensions whose files or static document did not match their record. */
  chromiumRepaired: string[];
  /** The VPN index folder put back in line with the records (files, a re-signed index): production's. */
  vpn: VpnRepairReport;
  /** The same for every channel, by name (production included). */
  vpnChannels: Record<string, VpnRepairReport>;
}

/**
 * Everything a server does before it answers anyone: remove what a crash left, finish or take back
 * interrupted changes, rebuild documents whose record moved on, and re-render everything when the
 * public URL or hash algorithm changed.
 */
export async function prepareToServe(outpost: Outpost): Promise<StartupReport> {
  const { layout, catalog, manifests } = outpost;
  const interrupted = outpost.journal.pending().intents.map((i) => i.id);
  // Revisions come from the catalog index: no record is read unless its documents are behind.
  const rendered = await manifests.renderedRevisions(catalog);
  const stale = catalog.revisionList().filter((r) => rendered.get(r.id) !== r.revision).map((r) => r.id);
  const chromiumIds = outpost.chromium.ids();
  const addonIds = [...new Set([...interrupted, ...stale])].filter((id) => catalog.revision(id) !== undefined);
  const vpnDirs = outpost.vpnChannels.flatMap((c) => [layout.vpnRecordsDirOf(c.name), path.dirname(layout.vpnStateFileOf(c.name)), layout.vpnIndexDir(c.prefix)]);
  const leftoversRemoved = await removeLeftovers(layout, [...addonIds, ...chromiumIds], vpnDirs);
  const { finished, undone, problems } = await recoverChanges({ layout, catalog, manifests, journal: outpost.journal, audit: outpost.audit });
  // Chromium records are the truth for their files and static documents (also after a URL change).
  const chromiumRepaired = await outpost.chromiumVersions.reconcile();
  // VPN records are the truth for the index folder; the index is re-signed when it does not match
  // them (a crash, a new OUTPOST_VPN_PREFIX or OUTPOST_VPN_KEY) or is half way to its expiry.
  const inUse = outpost.vpnChannels.map((c) => c.prefix);
  const vpnChannels: Record<string, VpnRepairReport> = {};
  for (const { name, prefix, records, index, service } of outpost.vpnChannels) {
    vpnChannels[name] = await reconcileVpn({ layout, records, index, service, prefix, inUse, audit: outpost.audit });
  }
  const vpn = vpnChannels[outpost.vpnChannels[0]!.name]!;
  const settings = renderSettings(outpost);
  let previous: string | undefined;
  try {
    previous = readFileSync(settingsFile(layout), 'utf8');
  } catch {
    previous = undefined;
  }
  const rerendered = previous !== settings && catalog.size > 0;
  const { rebuilt, failed } = rerendered ? await manifests.rebuildAll(catalog) : await manifests.reconcile(catalog, rendered);
  if (failed.length === 0) await writeFileAtomic(settingsFile(layout), settings, { mode: 0o600 });
  return { leftoversRemoved, finished, undone, rebuilt, failed, problems, rerendered, chromiumRepaired, vpn, vpnChannels };
}
