import { Router, type Request, type Response } from 'express';
import type { ChromiumPublishService } from '../../app/chromium-publish.ts';
import { CACHE_MANIFESTS } from '../../catalog/served-headers.ts';

/**
 * Chromium's GET gupdate check (chromium-extensions.md): one shared update URL for every extension,
 * `?x=id%3D…%26v%3D…&x=…&prodversion=…`, each x= answered from the stored records. A malformed
 * check is a CRX_UPDATE_QUERY_* error: 400 with the JSON error body.
 */
export function chromiumUpdateRoutes(chromium: ChromiumPublishService): Router {
  const router = Router();
  router.get('/chromium/updates.xml', (req, res) => sendGupdate(res, chromium.answerUpdateCheck(rawQuery(req)), CACHE_MANIFESTS));
  return router;
}

/** The query string as sent (gupdate's x= values are themselves encoded queries, parsed by the service). */
export function rawQuery(req: Request): string {
  const q = req.originalUrl.indexOf('?');
  return q < 0 ? '' : req.originalUrl.slice(q + 1);
}

/** A gupdate document (updates.xml), public or a feed's, as Chromium reads it. */
export function sendGupdate(res: Response, body: string, cacheControl: string): void {
  res.setHeader('Content-Type', 'text/xml; charset=utf-8');
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.send(body);
}
