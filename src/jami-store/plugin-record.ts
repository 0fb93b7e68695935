import type { JplLocales } from '../jami/jpl-locale.ts';
import { localizeManifest } from '../jami/jpl-locale.ts';
import { compareJamiVersions } from './version-order.ts';

/** One verified .jpl as the store remembers it: everything the store routes answer from. */
export interface PluginVersion {
  version: string;
  /** Raw manifest strings ({{placeholders}} are resolved per request). */
  name: string;
  description: string;
  iconPath: string;
  backgroundPath: string;
  abis: string[];
  platform: 'desktop' | 'android';
  /** Issuer CN of the plugin certificate: what clients show as the author. */
  author: string;
  /** base64 DER SPKI of the plugin key; later versions must match it. */
  signingKey: string;
  locales: JplLocales;
  file: string;
  size: number;
  sha256: string;
  icon?: { file: string; contentType: string };
  background?: { file: string; contentType: string };
  publishedAt: string;
}

export interface PluginRecord {
  id: string;
  publisherKey: string;
  createdAt: string;
  updatedAt: string;
  /**
   * Served only through feeds: its files in private/jami-feed-files/<id>/, and the public store
   * API, catalog and collections answer as for an unknown plugin.
   */
  private?: true;
  /** Counts visibility changes (publishes only add versions, which stand in for a revision). */
  revision?: number;
  versions: PluginVersion[];
}

export function versionsForArch(record: PluginRecord, arch: string | undefined): PluginVersion[] {
  return record.versions.filter((v) => arch === undefined || v.abis.includes(arch)).sort((a, b) => compareJamiVersions(b.version, a.version));
}

/** The plugin object the Jami client reads (id, name, description, iconPath, author, timestamp, …). */
export function pluginObject(record: PluginRecord, v: PluginVersion, acceptLanguage: string | undefined) {
  const text = localizeManifest({ name: v.name, description: v.description }, v.locales, acceptLanguage);
  return {
    id: record.id,
    name: text.name,
    description: text.description,
    version: v.version,
    iconPath: v.iconPath,
    backgroundPath: v.backgroundPath,
    author: v.author,
    // Clients sort by this as a string; ISO 8601 sorts correctly that way.
    timestamp: v.publishedAt,
    platform: v.platform,
    arches: v.abis,
    size: v.size,
    sha256: v.sha256,
  };
}
