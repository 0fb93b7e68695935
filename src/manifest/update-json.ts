import { newestFirst } from './version-order.ts';
import { checkUpdateHash } from './update-rdf.ts';

/**
 * update.json (update-protocols.md §4), read by Firefox 57+, Thunderbird 60+ and newer UXP.
 * Inside an update manifest the compatibility key is `applications`, never
 * `browser_specific_settings`: Firefox's parser reads only the former.
 */
export interface JsonUpdateEntry {
  version: string;
  updateLink: string;
  /** `sha256:<hex>` or `sha512:<hex>`: a plain-http link is ignored without one. */
  updateHash: string;
  updateInfoURL?: string;
  /** The one application range written into `applications`. */
  range?: { minVersion?: string; maxVersion?: string };
}

export interface JsonAddonUpdates {
  id: string;
  entries: JsonUpdateEntry[];
}

/** `gecko` ranges (compared with whatever application runs) or UXP's GUID-keyed ranges. */
export type JsonRangeStyle = { kind: 'gecko' } | { kind: 'guid'; appId: string };

function applications(range: JsonUpdateEntry['range'], style: JsonRangeStyle): Record<string, unknown> | undefined {
  if (!range || (range.minVersion === undefined && range.maxVersion === undefined)) return undefined;
  if (style.kind === 'gecko') {
    return {
      gecko: {
        ...(range.minVersion !== undefined ? { strict_min_version: range.minVersion } : {}),
        ...(range.maxVersion !== undefined ? { strict_max_version: range.maxVersion } : {}),
      },
    };
  }
  return {
    [style.appId]: {
      ...(range.minVersion !== undefined ? { min_version: range.minVersion } : {}),
      ...(range.maxVersion !== undefined ? { max_version: range.maxVersion } : {}),
    },
  };
}

/** The document as a value; `renderUpdateJson` gives its exact served bytes. */
export function buildUpdateJson(addons: readonly JsonAddonUpdates[], style: JsonRangeStyle = { kind: 'gecko' }): { addons: Record<string, { updates: unknown[] }> } {
  const out: Record<string, { updates: unknown[] }> = {};
  for (const addon of addons) {
    out[addon.id] = {
      updates: newestFirst(addon.entries, (e) => e.version).map((e) => {
        checkUpdateHash(e.updateHash);
        const apps = applications(e.range, style);
        return {
          version: e.version,
          update_link: e.updateLink,
          update_hash: e.updateHash,
          ...(e.updateInfoURL ? { update_info_url: e.updateInfoURL } : {}),
          ...(apps ? { applications: apps } : {}),
        };
      }),
    };
  }
  return { addons: out };
}

export function renderUpdateJson(addons: readonly JsonAddonUpdates[], style: JsonRangeStyle = { kind: 'gecko' }): string {
  return `${JSON.stringify(buildUpdateJson(addons, style), null, 2)}\n`;
}
