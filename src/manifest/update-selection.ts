import { compareVersions } from '../version/toolkit-version.ts';
import { numericVersion } from './numeric-version.ts';
import { newestFirst } from './version-order.ts';

/**
 * Which versions (and which file of each) a requesting client is offered. The same function
 * renders the static per-application documents (no appVersion: every version for the app) and
 * answers dynamic update queries, so the two can never disagree.
 */
export const APP = {
  firefox: '{ec8030f7-c20a-464f-9b0e-13a3a9e97384}',
  firefoxAndroid: '{aa3c5121-dab2-40e2-81ca-7ea25febc110}',
  thunderbird: '{3550f703-e582-4d05-9a08-453d09bdfdc6}',
  seamonkey: '{92650c4d-4b8e-4d2a-b7eb-24ecf4f6b63a}',
  paleMoon: '{8de7fcbb-c55c-4fbe-bfc5-fc555c87dbc4}',
  toolkit: 'toolkit@mozilla.org',
} as const;

export type CompatMode = 'strict' | 'normal' | 'ignore';
export type ClientFormat = 'rdf' | 'json' | 'json-uxp';

export interface UpdateRequest {
  appId: string;
  appVersion?: string;
  compatMode?: CompatMode;
  os?: string;
  abi?: string;
}

export interface CandidateTarget {
  appId: string;
  minVersion: string;
  maxVersion: string;
}

export interface Candidate<T> {
  version: string;
  targets: readonly CandidateTarget[];
  /** em:targetPlatform values, e.g. `WINNT_x86-msvc`, `Linux`; empty = every platform. */
  targetPlatforms: readonly string[];
  item: T;
}

export interface Selected<T> {
  version: string;
  target: CandidateTarget;
  item: T;
}

/**
 * The manifest format a client reads: Firefox from 57 and Thunderbird from 60 read update.json
 * (without a version we assume a current one); SeaMonkey and Pale Moon read update.rdf.
 */
export function clientFormat(appId: string, appVersion?: string): ClientFormat {
  switch (appId) {
    case APP.firefox:
    case APP.firefoxAndroid:
      return atLeastAlpha1(appVersion, 57) ? 'json' : 'rdf';
    case APP.thunderbird:
      return atLeastAlpha1(appVersion, 60) ? 'json' : 'rdf';
    case APP.seamonkey:
    case APP.paleMoon:
      return 'rdf';
    default:
      return 'json';
  }
}

/**
 * appVersion >= `<major>.0a1`. A plain dotted number is at least that exactly when its first part
 * is at least `major` (`57` and `57.0` are above `57.0a1`: a missing string part sorts after
 * any present one); this runs for every update query, so it skips the full comparator then.
 */
function atLeastAlpha1(appVersion: string | undefined, major: number): boolean {
  if (appVersion === undefined) return true;
  const numeric = numericVersion(appVersion);
  return numeric ? numeric[0]! >= major : compareVersions(appVersion, `${major}.0a1`) >= 0;
}

/** How well a file's platforms fit a client: `specific` beats `neutral`; false = not offered. */
export function platformFit(targetPlatforms: readonly string[], os?: string, abi?: string): 'neutral' | 'specific' | false {
  if (targetPlatforms.length === 0) return 'neutral';
  if (!os) return false;
  for (const platform of targetPlatforms) {
    const cut = platform.indexOf('_');
    const pOs = cut < 0 ? platform : platform.slice(0, cut);
    const pAbi = cut < 0 ? undefined : platform.slice(cut + 1);
    if (pOs === os && (pAbi === undefined || pAbi === abi)) return 'specific';
  }
  return false;
}

/**
 * As addons.mozilla.org's update service: strict checks min and max, normal and ignore check
 * only min (normal clients treat add-ons as compatible by default; ignore skips max outright).
 */
function compatible(target: CandidateTarget, appVersion: string | undefined, mode: CompatMode): boolean {
  if (appVersion === undefined) return true;
  if (compareVersions(appVersion, target.minVersion) < 0) return false;
  return mode !== 'strict' || compareVersions(appVersion, target.maxVersion) <= 0;
}

/** The offered versions, newest first, at most one file per version (platform-specific first). */
export function selectUpdates<T>(candidates: readonly Candidate<T>[], request: UpdateRequest): Selected<T>[] {
  const best = new Map<string, { fit: 'neutral' | 'specific'; selected: Selected<T> }>();
  for (const c of candidates) {
    const fit = platformFit(c.targetPlatforms, request.os, request.abi);
    if (!fit) continue;
    const target = c.targets.find((t) => t.appId === request.appId);
    if (!target || !compatible(target, request.appVersion, request.compatMode ?? 'normal')) continue;
    const current = best.get(c.version);
    if (!current || (current.fit === 'neutral' && fit === 'specific')) {
      best.set(c.version, { fit, selected: { version: c.version, target, item: c.item } });
    }
  }
  return newestFirst([...best.values()].map((b) => b.selected), (s) => s.version);
}

/** Every platform key a static document should exist for: the distinct targetPlatform values. */
export function platformKeys(candidates: readonly Candidate<unknown>[]): string[] {
  return [...new Set(candidates.flatMap((c) => c.targetPlatforms))].sort();
}

/** The client fields a platform key stands for (`WINNT_x86-msvc` → os WINNT, abi x86-msvc). */
export function platformRequest(key: string): { os: string; abi?: string } {
  const cut = key.indexOf('_');
  return cut < 0 ? { os: key } : { os: key.slice(0, cut), abi: key.slice(cut + 1) };
}
