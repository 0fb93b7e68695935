import type { Router } from 'express';
import type { AuditEntry, AuditLog } from '../../storage/audit-log.ts';
import { pageNumber, pageOf, pagerLinks } from './paging.ts';
import { appName, renderPage } from './views.ts';

/**
 * How far back the page looks. AuditLog.recent() reads the file from the end of the list, newest
 * first; past this many entries, audit.log itself is the record (the page says so).
 */
export const ACTIVITY_SCAN = 10_000;

/** Actions whose target is an add-on with a page of its own. */
const ADDON_ACTIONS = new Set(['publish', 'withdraw', 'restore', 'edit-range', 'visibility']);

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

function range(value: unknown): string {
  const r = (value ?? {}) as { minVersion?: unknown; maxVersion?: unknown };
  return `${text(r.minVersion)} – ${text(r.maxVersion)}`;
}

/** One sentence per entry instead of its JSON: what a person reading the log wants to know. */
export function describeEntry(e: AuditEntry): string {
  const d = e.details ?? {};
  const version = str(d.version);
  switch (e.action) {
    case 'publish':
    case 'publish-jpl':
      return `Published ${version ?? 'a version'}${typeof d.size === 'number' ? ` (${d.size} bytes)` : ''}${str(d.sha256) ? `, sha256 ${str(d.sha256)!.slice(0, 12)}…` : ''}`;
    case 'withdraw':
      return `Withdrew ${version ?? 'a version'}; the manifest was re-signed without it`;
    case 'restore':
      return `Restored ${version ?? 'a version'}; it is served again`;
    case 'edit-range':
      return `${appName(text(d.appId))} range of ${version ?? '?'}: ${range(d.before)} → ${range(d.after)}`;
    case 'visibility':
      return d.visibility === 'private' ? 'Made private: served only through feeds' : 'Made public again';
    case 'vpn-visibility':
      return d.visibility === 'private' ? `Made the ${text(d.channel)} VPN index private: served only through feeds` : `Made the ${text(d.channel)} VPN index public again`;
    case 'feed-create':
      return `Created feed ${text(d.feed)} for ${text(d.scope)}`;
    case 'feed-rotate':
      return `Rotated the URL of feed ${text(d.feed)}; the old one is dead`;
    case 'feed-revoke':
      return `Revoked feed ${text(d.feed)} (${text(d.scope)})`;
    case 'key-create':
      return typeof d.bits === 'number' ? `Created a ${d.bits}-bit key` : 'Created a key';
    case 'key-import':
      return `Imported a ${text(d.bits) || '?'}-bit key${str(d.source) ? ` (${str(d.source)})` : ''}`;
    case 'token-create':
      return `Created a token for key ${text(d.keyName ?? d.key) || '?'}${str(d.label) ? ` labelled “${str(d.label)}”` : ''}`;
    case 'token-revoke':
      return `Revoked a token of key ${text(d.key) || '?'}`;
    case 'sign-in':
      return 'Signed in';
    case 'sign-in-failed':
      return 'Sign-in refused: wrong user name or password';
    case 'sign-in-locked':
      return 'Sign-in refused: account locked after repeated failures';
    case 'sign-out':
      return 'Signed out';
    case 'admin-create':
      return 'Created an admin account';
    case 'admin-passwd':
      return 'Set a new password';
    default:
      // Anything newer than this page: its details as "key: value", still readable.
      return Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
  }
}

export interface ActivityFilter {
  addon: string;
  actor: string;
  action: string;
}

export function matches(e: AuditEntry, f: ActivityFilter): boolean {
  return (!f.addon || (e.target ?? '').toLowerCase().includes(f.addon.toLowerCase())) && (!f.actor || e.actor === f.actor) && (!f.action || e.action === f.action);
}

export function activityPage(router: Router, audit: AuditLog): void {
  router.get('/activity', async (req, res) => {
    const filter: ActivityFilter = { addon: (str(req.query.addon) ?? '').trim(), actor: str(req.query.actor) ?? '', action: str(req.query.action) ?? '' };
    const entries = await audit.recent(ACTIVITY_SCAN);
    const choices = (values: string[], current: string) => [...new Set([...values, ...(current ? [current] : [])])].sort();
    const shown = pageOf(entries.filter((e) => matches(e, filter)), pageNumber(req.query.page));
    renderPage(req, res, 'activity', { title: 'Activity', nav: 'activity' }, {
      filter,
      actors: choices(entries.map((e) => e.actor), filter.actor),
      actions: choices(entries.map((e) => e.action), filter.action),
      scanned: entries.length,
      scanLimit: ACTIVITY_SCAN,
      entries: shown.items.map((e) => ({ ...e, summary: describeEntry(e), addonLink: Boolean(e.target && ADDON_ACTIONS.has(e.action)) })),
      pager: pagerLinks(`${req.baseUrl}/activity`, { ...filter }, shown),
    });
  });
}
