import path from 'node:path';
import { AUTH_STATE_FOLDERS } from '../auth/auth-state.ts';
import { dataKeys } from '../storage/data-keys.ts';
import { removeLeftovers } from '../storage/leftovers.ts';
import { readObject, writeObject } from '../storage/objects/object-bytes.ts';
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

const SETTINGS_KEY = 'private/render-settings.json';

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
  const interrupted = (await outpost.journal.pending()).intents.map((i) => i.id);
  // Revisions come from the catalog index: no record is read unless its documents are behind.
  const rendered = await manifests.renderedRevisions(catalog);
  const stale = catalog.revisionList().filter((r) => rendered.get(r.id) !== r.revision).map((r) => r.id);
  // A Chromium extension or Jami plugin whose change a crash cut short may have a temp file in its
  // folders (a first publish has no record to list it by).
  const pendingOf = async (kind: 'jami' | 'chromium') => (await outpost.journal.pending({ kind })).intents.map((i) => i.id);
  const chromiumIds = [...new Set([...outpost.chromium.ids(), ...(await pendingOf('chromium'))])];
  const jamiFolders = (await pendingOf('jami')).map((id) => dataKeys.jamiFiles(id));
  const addonIds = [...new Set([...interrupted, ...stale])].filter((id) => catalog.revision(id) !== undefined);
  const vpnDirs = outpost.vpnChannels.flatMap((c) => [layout.vpnRecordsDirOf(c.name), path.dirname(layout.vpnStateFileOf(c.name)), layout.vpnIndexDir(c.prefix), layout.pathOf(dataKeys.vpnFeedIndex(c.name).slice(0, -1))]);
  const leftoversRemoved = await removeLeftovers(layout, [...addonIds, ...chromiumIds], vpnDirs, [...AUTH_STATE_FOLDERS, ...jamiFolders]);
  const addons = await recoverChanges({ objects: outpost.objects, catalog, manifests, journal: outpost.journal, audit: outpost.audit }, outpost.lock);
  // Jami, Chromium and VPN changes a crash cut short (`<kind>:<id>`), settled from their records.
  const others = await outpost.intents.recover();
  const finished = [...addons.finished, ...others.finished];
  const undone = [...addons.undone, ...others.undone];
  const problems = [...addons.problems, ...others.problems];
  // Chromium records are the truth for their files and static documents (also after a URL change).
  const chromiumRepaired = await outpost.chromiumVersions.reconcile();
  // VPN records are the truth for the index folder; the index is re-signed when it does not match
  // them (a crash, a new OUTPOST_VPN_PREFIX or OUTPOST_VPN_KEY) or is half way to its expiry.
  const inUse = outpost.vpnChannels.map((c) => c.prefix);
  const vpnChannels: Record<string, VpnRepairReport> = {};
  for (const { name, prefix, records, index, service, visibility } of outpost.vpnChannels) {
    vpnChannels[name] = await reconcileVpn({ objects: outpost.objects, records, index, service, prefix, inUse, visibility, audit: outpost.audit });
  }
  const vpn = vpnChannels[outpost.vpnChannels[0]!.name]!;
  const settings = renderSettings(outpost);
  const previous = (await readObject(outpost.objects, SETTINGS_KEY, 64 * 1024))?.toString('utf8');
  const rerendered = previous !== settings && catalog.size > 0;
  const { rebuilt, failed } = rerendered ? await manifests.rebuildAll(catalog, outpost.lock) : await manifests.reconcile(catalog, outpost.lock, rendered);
  if (failed.length === 0) await writeObject(outpost.objects, SETTINGS_KEY, settings);
  return { leftoversRemoved, finished, undone, rebuilt, failed, problems, rerendered, chromiumRepaired, vpn, vpnChannels };
}
