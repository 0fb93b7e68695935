import type { VpnChannel } from '../app/outpost.ts';
import { activeVersions, fileUrl, manifestUrl, updateJsonUrl, type AddonRecord } from '../catalog/addon-record.ts';
import type { PluginRecord } from '../jami-store/plugin-record.ts';
import { compareJamiVersions } from '../jami-store/version-order.ts';
import type { ChromiumRecord } from '../storage/chromium-store.ts';
import type { CollectionMember, CollectionRecord } from '../storage/collection-store.ts';
import { chromiumUpdateUrl, chromiumVersionsForDisplay } from './chromium-view.ts';

/**
 * What a collection offers right now: each member resolved against its store (name, newest version
 * still offered, downloads), and the policies that install them. Withdrawn versions are never
 * offered; a member with nothing offered is listed as such, never with a dead link.
 */
export interface CollectionSources {
  publicUrl: string;
  /** The base of XPI, Chromium and Jami members' links (a feed's prefix); publicUrl when absent. */
  addonUrl?: string;
  jamiPrefix: string;
  addon(id: string): AddonRecord | undefined;
  /** Members strangers must not even see named (private add-ons): left out of the page and policies. */
  hidden?(member: CollectionMember): boolean;
  chromium(id: string): ChromiumRecord | undefined;
  jami(id: string): PluginRecord | undefined;
  vpn: readonly Pick<VpnChannel, 'name' | 'records' | 'service'>[];
}

export interface OfferedMember {
  kind: CollectionMember['kind'];
  id: string;
  channel?: string;
  name: string;
  /** Undefined: nothing of it is offered now (withdrawn, or gone). */
  version?: string;
  downloads: { label: string; url: string }[];
  /** What clients poll for updates of it. */
  updateUrl?: string;
}

const LABELS = { addon: 'Firefox / Thunderbird add-on', chromium: 'Chromium extension', jami: 'Jami plugin', vpn: 'Mozilla VPN add-on' } as const;
export const memberKindLabel = (kind: CollectionMember['kind']): string => LABELS[kind];

function offerAddon(m: CollectionMember, s: CollectionSources): OfferedMember {
  const record = s.addon(m.id);
  const active = record ? activeVersions(record) : [];
  const newest = active[0];
  if (!record || !newest) return { kind: m.kind, id: m.id, name: record?.name ?? m.id, downloads: [] };
  const base = s.addonUrl ?? s.publicUrl;
  // Every package of the newest version: one per set of target platforms.
  const packages = active.filter((v) => v.version === newest.version);
  return {
    kind: m.kind,
    id: m.id,
    name: record.name,
    version: newest.version,
    downloads: packages.map((v) => ({ label: v.targetPlatforms.length ? v.targetPlatforms.join(', ') : 'XPI', url: fileUrl(base, m.id, v.file) })),
    updateUrl: newest.format === 'webextension' ? updateJsonUrl(base, m.id) : manifestUrl(base, m.id),
  };
}

function offerChromium(m: CollectionMember, s: CollectionSources): OfferedMember {
  const record = s.chromium(m.id);
  const newest = record ? chromiumVersionsForDisplay(record).find((v) => !v.withdrawnAt) : undefined;
  if (!record || !newest) return { kind: m.kind, id: m.id, name: m.id, downloads: [] };
  // A feed's page: the package and the policy's update URL under the feed, which grants members.
  const base = s.addonUrl ?? s.publicUrl;
  return { kind: m.kind, id: m.id, name: newest.name, version: newest.version, downloads: [{ label: 'CRX', url: fileUrl(base, m.id, newest.file) }], updateUrl: chromiumUpdateUrl(base) };
}

function offerJami(m: CollectionMember, s: CollectionSources): OfferedMember {
  const record = s.jami(m.id);
  const newest = record?.versions.slice().sort((a, b) => compareJamiVersions(b.version, a.version))[0];
  if (!record || !newest) return { kind: m.kind, id: m.id, name: m.id, downloads: [] };
  // The store's download route, per ABI: what an Android user saves and installs by hand (a
  // feed's store is its /jami/).
  const store = s.addonUrl ? `${s.addonUrl}/jami` : `${s.publicUrl}${s.jamiPrefix}`;
  return { kind: m.kind, id: m.id, name: newest.name, version: newest.version, downloads: newest.abis.map((abi) => ({ label: abi, url: `${store}/download/${encodeURIComponent(abi)}/${encodeURIComponent(m.id)}` })) };
}

function offerVpn(m: CollectionMember, s: CollectionSources): OfferedMember {
  const channel = m.channel === undefined ? s.vpn[0] : s.vpn.find((c) => c.name === m.channel);
  const record = channel?.records.get(m.id);
  const base = { kind: m.kind, id: m.id, ...(m.channel ? { channel: m.channel } : {}) };
  if (!channel || !record || record.withdrawnAt) return { ...base, name: record?.name ?? m.id, downloads: [] };
  const links = channel.service.links(m.id);
  return { ...base, name: record.name, version: '', downloads: [{ label: `${m.id}.rcc`, url: links.rcc }], updateUrl: links.index };
}

export function offeredMembers(collection: CollectionRecord, s: CollectionSources): OfferedMember[] {
  const offer = { addon: offerAddon, chromium: offerChromium, jami: offerJami, vpn: offerVpn };
  return collection.members.filter((m) => !s.hidden?.(m)).map((m) => offer[m.kind](m, s));
}

/**
 * Enterprise policies that install the collection. Firefox and Thunderbird (policies.json):
 * ExtensionSettings forces each WebExtension in from its newest package, and updates then come
 * from the add-on's own update_url. Chromium: ExtensionInstallForcelist, "<id>;<update URL>".
 */
export function collectionPolicies(members: readonly OfferedMember[], s: Pick<CollectionSources, 'addon'>) {
  const settings: Record<string, { installation_mode: string; install_url: string }> = {};
  for (const m of members) {
    if (m.kind !== 'addon' || !m.version) continue;
    const newest = activeVersions(s.addon(m.id)!)[0]!;
    if (newest.format !== 'webextension') continue;
    // Firefox picks no package by platform here: the one without target platforms, else the first.
    const url = m.downloads.find((d) => d.label === 'XPI')?.url ?? m.downloads[0]!.url;
    settings[m.id] = { installation_mode: 'force_installed', install_url: url };
  }
  const forcelist = members.filter((m) => m.kind === 'chromium' && m.version).map((m) => `${m.id};${m.updateUrl}`);
  return {
    firefox: Object.keys(settings).length ? { policies: { ExtensionSettings: settings } } : undefined,
    chromium: forcelist.length ? { ExtensionInstallForcelist: forcelist } : undefined,
  };
}
