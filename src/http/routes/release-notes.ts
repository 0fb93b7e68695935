import { Router, type Request, type Response } from 'express';
import type { AddonRecord } from '../../catalog/addon-record.ts';
import type { AddonCatalog } from '../../storage/addon-catalog.ts';
import { ApiError } from '../api-error.ts';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The best of the hosted locales for what the client asked: exact, then language, then default. */
export function pickNotes(notes: Record<string, string>, locale: string | undefined): string | undefined {
  const wanted = (locale ?? '').replace('_', '-').toLowerCase();
  const keys = Object.keys(notes);
  const exact = keys.find((k) => k.toLowerCase() === wanted);
  const language = keys.find((k) => k.toLowerCase() === wanted.split('-')[0]);
  const key = exact ?? language ?? ('' in notes ? '' : keys[0]);
  return key === undefined ? undefined : notes[key];
}

/**
 * Sends `record`'s hosted release notes for the route's :version and :locale as a small plain
 * page; false when there are none (the caller answers 404). Public and feed routes share it.
 */
export function sendReleaseNotes(req: Request, res: Response, record: Pick<AddonRecord, 'name' | 'versions'> | undefined, cacheControl: string): boolean {
  const version = record?.versions.find((v) => v.version === String(req.params.version) && v.notes && !v.withdrawnAt);
  const locale = typeof req.params.locale === 'string' ? req.params.locale : undefined;
  const text = version?.notes ? pickNotes(version.notes, locale) : undefined;
  if (!record || !version || text === undefined) return false;
  const paragraphs = text.trim().split(/\n\s*\n/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('\n');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  res.setHeader('Cache-Control', cacheControl);
  res.type('html').send(`<!doctype html>
<html lang="${escapeHtml(locale ?? 'en')}"><head><meta charset="utf-8"><title>${escapeHtml(record.name)} ${escapeHtml(version.version)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:1rem;max-width:40rem}</style></head>
<body><h1>${escapeHtml(record.name)} ${escapeHtml(version.version)}</h1>
${paragraphs}
</body></html>
`);
  return true;
}

/** `GET /notes/<id>/<version>/<locale>`: release notes Outpost hosts. */
export function releaseNotesRoutes(catalog: Pick<AddonCatalog, 'get'>): Router {
  const router = Router();
  router.get('/notes/:id/:version{/:locale}', (req, res) => {
    if (!sendReleaseNotes(req, res, catalog.get(String(req.params.id)), 'public, max-age=300')) throw new ApiError('NOT_FOUND', 'No release notes here.');
  });
  return router;
}
