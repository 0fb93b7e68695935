import { localizeManifest } from '../jami/jpl-locale.ts';
import { versionsForArch, type PluginRecord } from '../jami-store/plugin-record.ts';
import { KNOWN_APPLICATIONS } from '../names/applications.ts';
import type { AddonSummary } from '../storage/catalog-store.ts';
import type { ChromiumRecord, ChromiumVersion } from '../storage/chromium-store.ts';
import type { VpnRecord } from '../storage/vpn-store.ts';

/**
 * One line of the public catalog, whatever the kind: what the listing shows and what its search
 * and filters read. Built from index summaries (XPI add-ons) or in-memory records (the others),
 * never from a withdrawn version: something with nothing offered has no entry at all.
 */
export type CatalogKind = 'addon' | 'jami' | 'chromium' | 'vpn';

export const CATALOG_TYPES = {
  extension: 'Extension',
  theme: 'Theme',
  item: 'Other add-on',
  'jami-plugin': 'Jami plugin',
  'chromium-extension': 'Chromium extension',
  'vpn-addon': 'Mozilla VPN add-on',
} as const;
export type CatalogType = keyof typeof CATALOG_TYPES;

export interface CatalogEntry {
  kind: CatalogKind;
  id: string;
  name: string;
  /** '' when the package says nothing (XPI add-ons published before packages were read for it). */
  description: string;
  author: string;
  /** A same-origin path (the pages' CSP allows only this server's images). */
  icon?: string;
  /** Newest offered version; '' for VPN add-ons, whose index has no versions. */
  version: string;
  type: CatalogType;
  /** Application filter values (see applicationLabel). */
  applications: string[];
  /** Platforms or ABIs some package is built for (the platform filter's values). */
  platforms: string[];
  /** Some package runs on every platform (shown as "All"; a platform filter still needs a match in `platforms`). */
  anyPlatform: boolean;
  /** The newest version has release notes (shown on the add-on's page). */
  notes: boolean;
  updatedAt: string;
  /** Lower-cased name, then id: the listing's order. */
  sortKey: string;
  /** Lower-cased id, name and description: what a search looks in. */
  haystack: string;
}

/** Application filter values of the other kinds (XPI add-ons use application ids). */
const OTHER_APPS = { jami: 'Jami', chromium: 'Chromium', 'mozilla-vpn': 'Mozilla VPN' } as const;

/** "All", the platforms, or both: what the listing and the add-on's page say it runs on. */
export function platformText(e: Pick<CatalogEntry, 'platforms' | 'anyPlatform'>): string {
  if (e.platforms.length === 0) return 'All';
  return e.anyPlatform ? `All; also built for ${e.platforms.join(', ')}` : e.platforms.join(', ');
}

export function applicationLabel(value: string): string {
  return KNOWN_APPLICATIONS[value] ?? (OTHER_APPS as Record<string, string>)[value] ?? value;
}

function entry(fields: Omit<CatalogEntry, 'sortKey' | 'haystack'>): CatalogEntry {
  const name = fields.name.toLowerCase();
  return { ...fields, sortKey: `${name}\u0000${fields.id}`, haystack: `${fields.id.toLowerCase()}\n${name}\n${fields.description.toLowerCase()}` };
}

/**
 * Where the catalog serves an XPI's or Chromium extension's icon: only while the version whose
 * icon it is is offered (routes/public-catalog.ts looks it up in the record).
 */
export function iconPath(id: string, file: string): string {
  return `/catalog/icons/${encodeURIComponent(id)}/${encodeURIComponent(file)}`;
}

export function addonEntry(s: AddonSummary): CatalogEntry | undefined {
  if (!s.latestVersion || s.versionCount === 0 || s.private) return undefined;
  return entry({
    kind: 'addon', id: s.id, name: s.name, description: s.description ?? '', author: s.author ?? '', version: s.latestVersion, type: s.type,
    ...(s.icon ? { icon: iconPath(s.id, s.icon) } : {}),
    applications: s.applications, platforms: s.platforms, anyPlatform: s.anyPlatform, notes: s.latestNotes, updatedAt: s.updatedAt,
  });
}

/** Names and descriptions through the plugin's own locale files, as the store answers them. */
export function jamiEntry(record: PluginRecord, acceptLanguage: string | undefined, jamiPrefix: string): CatalogEntry | undefined {
  const newest = versionsForArch(record, undefined)[0];
  if (!newest) return undefined;
  const text = localizeManifest(newest, newest.locales, acceptLanguage);
  // The store offers the newest version per ABI, so every ABI some version has is offered.
  const platforms = [...new Set(record.versions.flatMap((v) => [v.platform, ...v.abis]))].sort();
  return entry({
    kind: 'jami', id: record.id, name: text.name || record.id, description: text.description, author: newest.author,
    ...(newest.icon ? { icon: `${jamiPrefix}/icons/${encodeURIComponent(record.id)}` } : {}),
    version: newest.version, type: 'jami-plugin', applications: ['jami'], platforms, anyPlatform: false, notes: false, updatedAt: record.updatedAt,
  });
}

export function chromiumEntry(record: ChromiumRecord, newest: ChromiumVersion | undefined): CatalogEntry | undefined {
  if (!newest) return undefined;
  return entry({
    kind: 'chromium', id: record.id, name: newest.name, description: '', author: '', version: newest.version, type: 'chromium-extension',
    ...(newest.icon ? { icon: iconPath(record.id, newest.icon.file) } : {}),
    applications: ['chromium'], platforms: [], anyPlatform: true, notes: false, updatedAt: record.updatedAt,
  });
}

/** Platforms from the manifest's conditions: the client shows the add-on only there. */
export function vpnEntry(record: VpnRecord): CatalogEntry | undefined {
  if (record.withdrawnAt) return undefined;
  const platforms = [...(record.conditions.platforms ?? [])].sort();
  return entry({
    kind: 'vpn', id: record.id, name: record.name, description: '', author: '', version: '', type: 'vpn-addon',
    applications: ['mozilla-vpn'], platforms, anyPlatform: platforms.length === 0, notes: false, updatedAt: record.updatedAt,
  });
}
