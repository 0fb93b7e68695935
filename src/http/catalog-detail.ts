import { activeVersions, fileUrl, manifestUrl, notesUrl, updateJsonUrl, type AddonRecord, type VersionRecord } from '../catalog/addon-record.ts';
import { addonEntry, applicationLabel, chromiumEntry, jamiEntry, platformText, vpnEntry, type CatalogEntry } from '../catalog/public-entries.ts';
import { versionsForArch, type PluginRecord } from '../jami-store/plugin-record.ts';
import { summarizeAddon } from '../storage/catalog-store.ts';
import type { ChromiumRecord } from '../storage/chromium-store.ts';
import type { VpnRecord } from '../storage/vpn-store.ts';
import { chromiumUpdateUrl, chromiumVersionsForDisplay } from './chromium-view.ts';
import { pickNotes } from './routes/release-notes.ts';
import { conditionRows } from './vpn-view.ts';

/**
 * An add-on's public page: every version still offered, newest first, each with a direct download
 * per platform. XPI links carry no `download` attribute, so Firefox installs the file it is served
 * (application/x-xpinstall); .jpl, .crx and .rcc files are saved, to be installed by hand.
 */
export interface Download {
  label: string;
  url: string;
  /** Saved rather than opened (the `download` attribute). */
  save: boolean;
  size?: number;
}

export interface OfferedVersion {
  version: string;
  publishedAt: string;
  /** "Firefox 52.0 – 56.*", "Jami (android)", … */
  compatibility: string[];
  /** "All", the platforms or ABIs, or both. */
  platforms: string;
  downloads: Download[];
  notes?: { text?: string; url?: string };
}

export interface CatalogPage {
  entry: CatalogEntry;
  versions: OfferedVersion[];
  /** Jami: the newest plugin per ABI from the store's own download route (the jami.net use). */
  perPlatform: Download[];
  /** Label/value rows: where updates come from, a VPN add-on's conditions. */
  facts: { label: string; value: string }[];
}

export interface DetailSources {
  publicUrl: string;
  jamiPrefix: string;
  vpnIndexUrl: string;
  rccUrl(id: string): string;
  acceptLanguage: string | undefined;
}

const firstLanguage = (header: string | undefined) => header?.split(',')[0]?.split(';')[0]?.trim();
const isWebLink = (url: string | undefined): url is string => url !== undefined && /^https?:\/\//i.test(url);

function addonVersion(id: string, packages: VersionRecord[], s: DetailSources): OfferedVersion {
  const first = packages[0]!;
  const text = first.notes ? pickNotes(first.notes, firstLanguage(s.acceptLanguage)) : undefined;
  // Hosted notes are shown here and linked at their own URL (the locale left to the notes route).
  const hosted = notesUrl(s.publicUrl, id, first.version).replace('/%APP_LOCALE%', '');
  const notes = text !== undefined ? { text, url: hosted } : isWebLink(first.updateInfoURL) ? { url: first.updateInfoURL } : undefined;
  return {
    version: first.version,
    publishedAt: first.publishedAt,
    compatibility: [...new Set(packages.flatMap((p) => p.targets.map((t) => `${applicationLabel(t.appId)} ${t.minVersion} – ${t.maxVersion}`)))],
    platforms: platformText({ platforms: [...new Set(packages.flatMap((p) => p.targetPlatforms))], anyPlatform: packages.some((p) => p.targetPlatforms.length === 0) }),
    downloads: packages.map((p) => ({ label: p.targetPlatforms.length ? p.targetPlatforms.join(', ') : 'All platforms', url: fileUrl(s.publicUrl, id, p.file), save: false, size: p.size })),
    ...(notes ? { notes } : {}),
  };
}

export function addonPage(record: AddonRecord, s: DetailSources): CatalogPage | undefined {
  const entry = addonEntry(summarizeAddon(record));
  if (!entry) return undefined;
  // One version may have several packages, one per set of target platforms.
  const byVersion = new Map<string, VersionRecord[]>();
  for (const v of activeVersions(record)) byVersion.set(v.version, [...(byVersion.get(v.version) ?? []), v]);
  const newest = activeVersions(record)[0]!;
  // The page has room for the whole description; the summary's is cut short for listings.
  if (newest.description) entry.description = newest.description;
  const updates = newest.format === 'webextension' ? updateJsonUrl(s.publicUrl, record.id) : manifestUrl(s.publicUrl, record.id);
  return { entry, versions: [...byVersion.values()].map((p) => addonVersion(record.id, p, s)), perPlatform: [], facts: [{ label: 'Updates from', value: updates }] };
}

export function jamiPage(record: PluginRecord, s: DetailSources): CatalogPage | undefined {
  const entry = jamiEntry(record, s.acceptLanguage, s.jamiPrefix);
  if (!entry) return undefined;
  const store = `${s.publicUrl}${s.jamiPrefix}`;
  const abis = [...new Set(record.versions.flatMap((v) => v.abis))].sort();
  return {
    entry,
    versions: versionsForArch(record, undefined).map((v) => ({
      version: v.version,
      publishedAt: v.publishedAt,
      compatibility: [`Jami (${v.platform})`],
      platforms: platformText({ platforms: v.abis, anyPlatform: false }),
      // One .jpl holds every ABI of its version.
      downloads: [{ label: `${record.id}.jpl`, url: `${s.publicUrl}/catalog/jami/${encodeURIComponent(record.id)}/${encodeURIComponent(v.version)}/download`, save: true, size: v.size }],
    })),
    perPlatform: abis.map((abi) => ({ label: abi, url: `${store}/download/${encodeURIComponent(abi)}/${encodeURIComponent(record.id)}`, save: true })),
    facts: [],
  };
}

export function chromiumPage(record: ChromiumRecord, s: DetailSources): CatalogPage | undefined {
  const offered = chromiumVersionsForDisplay(record).filter((v) => !v.withdrawnAt);
  const entry = chromiumEntry(record, offered[0]);
  if (!entry) return undefined;
  return {
    entry,
    versions: offered.map((v) => ({
      version: v.version,
      publishedAt: v.publishedAt,
      compatibility: [v.minimumChromeVersion ? `Chromium ${v.minimumChromeVersion} and later` : 'Chromium'],
      platforms: 'All',
      downloads: [{ label: 'CRX', url: fileUrl(s.publicUrl, record.id, v.file), save: true, size: v.size }],
    })),
    perPlatform: [],
    facts: [{ label: 'Updates from', value: chromiumUpdateUrl(s.publicUrl) }],
  };
}

export function vpnPage(record: VpnRecord, s: DetailSources): CatalogPage | undefined {
  const entry = vpnEntry(record);
  if (!entry) return undefined;
  return {
    entry,
    // The index has no versions: the current file is the one offered.
    versions: [{ version: '', publishedAt: record.publishedAt, compatibility: ['Mozilla VPN'], platforms: platformText(entry), downloads: [{ label: `${record.id}.rcc`, url: s.rccUrl(record.id), save: true, size: record.size }] }],
    perPlatform: [],
    facts: [{ label: 'Type', value: record.type }, { label: 'Index', value: s.vpnIndexUrl }, ...conditionRows(record.conditions).map((r) => ({ label: r.label, value: r.value }))],
  };
}
