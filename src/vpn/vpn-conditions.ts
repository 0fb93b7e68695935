import { VpnError } from './vpn-errors.ts';

/**
 * The "conditions" object of a VPN add-on manifest, as the client's Addon::evaluateConditions reads
 * it (mozilla-vpn-client src/addons/addon.cpp): every key must be one it knows, or the client drops
 * the whole add-on. The client coerces wrong types to empty values (toString() of a number is "",
 * toInteger() of 1.5 is 0), which silently turns a condition off; here a wrong type is an error.
 * Wire names map to ours in CONDITIONS, the one place that knows both.
 */

export interface VpnSettingCondition {
  readonly setting: string;
  readonly value: string | number | boolean;
  readonly op: 'eq' | 'neq';
}

export interface VpnConditions {
  /** "", "staging" or "production"; anything else is never met. */
  readonly env?: string;
  readonly minClientVersion?: string;
  readonly maxClientVersion?: string;
  readonly platforms?: readonly string[];
  readonly locales?: readonly string[];
  /** Seconds since the epoch. */
  readonly startTime?: number;
  readonly endTime?: number;
  /** Seconds after the client's first run. */
  readonly triggerTime?: number;
  readonly enabledFeatures?: readonly string[];
  readonly settings?: readonly VpnSettingCondition[];
  /** A script in the add-on, relative to manifest.json. */
  readonly javascript?: string;
  readonly translationThreshold?: number;
}

/** Constants::PLATFORM_NAME of each client build; the client always adds "dummy" for its tests. */
export const VPN_PLATFORMS: ReadonlySet<string> = new Set(['android', 'dummy', 'ios', 'linux', 'macos', 'windows']);
const ENVS = new Set(['', 'staging', 'production']);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function invalid(message: string): VpnError {
  return new VpnError('VPN_MANIFEST_INVALID', `manifest.json ${message}.`);
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw invalid(`"${where}" must be a string`);
  return value;
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw invalid(`"${where}" must be an array of non-empty strings`);
  }
  return value as string[];
}

function seconds(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw invalid(`"${where}" must be a whole number of seconds`);
  return value as number;
}

/** What QVersionNumber::fromString reads in full; the client ignores anything it cannot read. */
const CLIENT_VERSION = /^\d{1,9}(?:\.\d{1,9})*$/;

function clientVersion(value: unknown, where: string): string {
  if (!CLIENT_VERSION.test(string(value, where))) throw invalid(`"${where}" must be a version such as "2.24.0"`);
  return value as string;
}

function setting(value: unknown, where: string): VpnSettingCondition {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`"${where}" entries must be objects`);
  const entry = value as Record<string, unknown>;
  const extra = Object.keys(entry).filter((key) => !['setting', 'value', 'op'].includes(key));
  if (extra.length > 0) throw invalid(`"${where}" entries take only "setting", "value" and "op", not "${extra[0]}"`);
  if (typeof entry.setting !== 'string' || entry.setting === '') throw invalid(`"${where}" entries need a "setting" name`);
  if (!['string', 'number', 'boolean'].includes(typeof entry.value)) throw invalid(`"${where}" values must be strings, numbers or booleans`);
  if (entry.op !== 'eq' && entry.op !== 'neq') throw invalid(`"${where}" operators must be "eq" or "neq"`);
  return { setting: entry.setting, value: entry.value as VpnSettingCondition['value'], op: entry.op };
}

const CONDITIONS: Record<string, (conditions: Mutable<VpnConditions>, value: unknown, where: string) => void> = {
  env: (c, v, w) => void (c.env = string(v, w)),
  min_client_version: (c, v, w) => void (c.minClientVersion = clientVersion(v, w)),
  max_client_version: (c, v, w) => void (c.maxClientVersion = clientVersion(v, w)),
  platforms: (c, v, w) => void (c.platforms = strings(v, w)),
  locales: (c, v, w) => void (c.locales = strings(v, w)),
  start_time: (c, v, w) => void (c.startTime = seconds(v, w)),
  end_time: (c, v, w) => void (c.endTime = seconds(v, w)),
  trigger_time: (c, v, w) => void (c.triggerTime = seconds(v, w)),
  enabled_features: (c, v, w) => void (c.enabledFeatures = strings(v, w)),
  settings: (c, v, w) => {
    if (!Array.isArray(v)) throw invalid(`"${w}" must be an array`);
    c.settings = v.map((item) => setting(item, w));
  },
  javascript: (c, v, w) => {
    if (string(v, w) === '') throw invalid(`"${w}" must name a script`);
    c.javascript = v as string;
  },
  translation_threshold: (c, v, w) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`"${w}" must be a number from 0 to 1`);
    c.translationThreshold = v;
  },
};

export function parseConditions(value: unknown): VpnConditions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('"conditions" must be an object');
  const conditions: Mutable<VpnConditions> = {};
  for (const [key, item] of Object.entries(value)) {
    const parse = Object.hasOwn(CONDITIONS, key) ? CONDITIONS[key] : undefined;
    // Addon::evaluateConditions refuses the whole add-on for a key it does not know.
    if (!parse) throw invalid(`has the condition "${key}", which the VPN client does not know (${Object.keys(CONDITIONS).join(', ')})`);
    parse(conditions, item, `conditions.${key}`);
  }
  return conditions;
}

export type NeverMetCode = 'END_BEFORE_START' | 'ENDED' | 'UNKNOWN_PLATFORM' | 'NO_KNOWN_PLATFORM' | 'MIN_ABOVE_MAX' | 'UNKNOWN_ENV' | 'THRESHOLD_ABOVE_ONE';

export interface NeverMet {
  readonly code: NeverMetCode;
  readonly message: string;
}

/** QVersionNumber order: segment by segment, and a longer version after its own prefix. */
function compareClientVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * Conditions no client will ever meet, so the add-on would be published for nobody. Warnings, not
 * errors: a publisher may mean to ship a disabled add-on. `now` (for ENDED) is an argument, so the
 * answer does not depend on the clock.
 */
export function neverMetWarnings(conditions: VpnConditions, options: { now?: Date } = {}): NeverMet[] {
  const warnings: NeverMet[] = [];
  const { startTime, endTime, platforms, env, minClientVersion: min, maxClientVersion: max } = conditions;
  if (startTime !== undefined && endTime !== undefined && endTime <= startTime) {
    warnings.push({ code: 'END_BEFORE_START', message: `end_time (${endTime}) is not after start_time (${startTime}).` });
  }
  if (endTime !== undefined && options.now !== undefined && endTime * 1000 <= options.now.getTime()) {
    warnings.push({ code: 'ENDED', message: `end_time (${new Date(endTime * 1000).toISOString()}) has passed.` });
  }
  for (const platform of platforms ?? []) {
    if (!VPN_PLATFORMS.has(platform)) warnings.push({ code: 'UNKNOWN_PLATFORM', message: `"${platform}" is not a VPN client platform (${[...VPN_PLATFORMS].join(', ')}).` });
  }
  // The client matches its own platform against the list plus "dummy": an empty list or one with
  // only unknown names matches no real client.
  if (platforms !== undefined && !platforms.some((p) => VPN_PLATFORMS.has(p) && p !== 'dummy')) {
    warnings.push({ code: 'NO_KNOWN_PLATFORM', message: 'platforms names no platform a released client runs on.' });
  }
  if (min !== undefined && max !== undefined && compareClientVersions(min, max) > 0) {
    warnings.push({ code: 'MIN_ABOVE_MAX', message: `min_client_version ${min} is above max_client_version ${max}.` });
  }
  if (env !== undefined && !ENVS.has(env)) warnings.push({ code: 'UNKNOWN_ENV', message: `env "${env}" is neither "staging" nor "production".` });
  if ((conditions.translationThreshold ?? 0) > 1) {
    warnings.push({ code: 'THRESHOLD_ABOVE_ONE', message: 'translation_threshold is above 1, and no translation is more than complete.' });
  }
  return warnings;
}
