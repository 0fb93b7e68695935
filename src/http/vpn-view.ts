import type { VpnRecord } from '../storage/vpn-store.ts';
import { neverMetWarnings, VPN_PLATFORMS, type NeverMet, type VpnConditions } from '../vpn/vpn-conditions.ts';

/**
 * A VPN add-on's conditions as the admin shows them: one row per condition the manifest sets,
 * in words, with times as dates, and the warnings of conditions no client will ever meet.
 */
export interface ConditionRow {
  readonly label: string;
  readonly value: string;
  /** Values no client has (an unknown platform): shown marked. */
  readonly unknown?: readonly string[];
}

const date = (seconds: number) => new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/:\d\d\.\d{3}Z$/, ' UTC');
const list = (values: readonly string[]) => values.join(', ');

export function conditionRows(c: VpnConditions): ConditionRow[] {
  const rows: ConditionRow[] = [];
  const add = (label: string, value: string, unknown?: readonly string[]) => rows.push({ label, value, ...(unknown?.length ? { unknown } : {}) });
  if (c.env !== undefined) add('Environment', c.env === '' ? 'any' : c.env);
  if (c.platforms) add('Platforms', list(c.platforms), c.platforms.filter((p) => !VPN_PLATFORMS.has(p)));
  if (c.minClientVersion !== undefined) add('Client version from', c.minClientVersion);
  if (c.maxClientVersion !== undefined) add('Client version up to', c.maxClientVersion);
  if (c.startTime !== undefined) add('Shown from', date(c.startTime));
  if (c.endTime !== undefined) add('Shown until', date(c.endTime));
  if (c.triggerTime !== undefined) add('After first run', `${c.triggerTime} s`);
  if (c.locales) add('Locales', list(c.locales));
  if (c.enabledFeatures) add('Features enabled', list(c.enabledFeatures));
  for (const s of c.settings ?? []) add('Setting', `${s.setting} ${s.op === 'eq' ? '=' : '≠'} ${JSON.stringify(s.value)}`);
  if (c.javascript !== undefined) add('Condition script', c.javascript);
  if (c.translationThreshold !== undefined) add('Translated at least', `${Math.round(c.translationThreshold * 100)} %`);
  return rows;
}

/** The record with what the admin pages show of it. */
export function vpnAddonView(record: VpnRecord, now: Date): VpnRecord & { conditionRows: ConditionRow[]; warnings: NeverMet[] } {
  return { ...record, conditionRows: conditionRows(record.conditions), warnings: neverMetWarnings(record.conditions, { now }) };
}
