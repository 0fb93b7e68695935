import { Router, type Request, type Response } from 'express';
import type { UpdateQuery, UpdateQueryService } from '../../app/update-queries.ts';
import { ApiError } from '../api-error.ts';
import { CACHE_MANIFESTS, SERVED_TYPES } from '../../catalog/served-headers.ts';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What a client's update URL asks, from its parsed query string (repeated parameters and empty
 * values count as absent). Pure, so the fuzzer drives exactly what the route does.
 */
export function updateQueryFrom(q: Record<string, unknown>, id: string | undefined): UpdateQuery {
  if (!id) throw new ApiError('NOT_FOUND', 'The update URL names no add-on: add id=<add-on id>.');
  return {
    id,
    appID: text(q.appID),
    appVersion: text(q.appVersion),
    appOS: text(q.appOS),
    appABI: text(q.appABI),
    compatMode: text(q.compatMode),
  };
}

/**
 * `GET /updates/<id>?<query>` and `GET /update?id=<id>&…`: the URLs clients build from
 * %APP_ID%, %APP_VERSION%, %APP_OS%, %APP_ABI%, %COMPATIBILITY_MODE% … placeholders.
 */
export function updateQueryRoutes(service: UpdateQueryService): Router {
  const router = Router();
  const answer = async (req: Request, res: Response, id: string | undefined) => {
    const { format, body } = await service.answer(updateQueryFrom(req.query as Record<string, unknown>, id));
    // setHeader, not res.set: Express would append a charset to application/json, and these
    // answers must carry exactly the headers of the static documents.
    res.setHeader('Content-Type', SERVED_TYPES[`.${format}`]!);
    res.setHeader('Cache-Control', CACHE_MANIFESTS);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(typeof body === 'string' ? Buffer.from(body) : body);
  };
  router.get('/updates/:id', (req, res) => answer(req, res, String(req.params.id)));
  router.get('/update', (req, res) => answer(req, res, text(req.query.id)));
  return router;
}
