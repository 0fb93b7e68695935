import type { NextFunction, Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { isSafeSegment } from '../names/safe-segment.ts';
import { headersOf, isObjectKey, ObjectStoreError, type ByteRange, type ObjectBody, type ObjectStore } from '../storage/objects/object-store.ts';

/**
 * The public reader of a bucket deployment: GET and HEAD of one public object from the object
 * store, answered as express.static answers a file on disk (routes/served-files.ts) — type and
 * caching from the key (served-headers.ts), Content-Length, ETag, Last-Modified, 304 on a
 * matching If-None-Match or If-Modified-Since, and one byte range (206, or 416 outside the
 * object). A key that does not exist is next() (the 404 handler, or a route after this one).
 */
export interface SendOptions {
  /** Instead of the key's own type (a Jami image's record names its type). */
  readonly contentType?: string;
  readonly disposition?: string;
  /** Instead of the key's own (feeds: `private, …`; folder deployments otherwise send max-age=0). */
  readonly cacheControl?: string;
}

export type PublicSender = (req: Request, res: Response, next: NextFunction, key: string, options?: SendOptions) => void;

/** The object key a request path names below `base` ("public/files"), or undefined if it names none. */
export function publicKeyOf(base: string, requestPath: string): string | undefined {
  const raw = requestPath.split('/').slice(1);
  const segments: string[] = [];
  for (const segment of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    // "..", "%2e%2e", "a%2Fb", empty and hidden names are no key's segments: refused, never normalised.
    if (!isSafeSegment(decoded)) return undefined;
    segments.push(decoded);
  }
  const key = [base, ...segments].join('/');
  return segments.length > 0 && key.startsWith('public/') && isObjectKey(key) ? key : undefined;
}

export function storeSender(store: ObjectStore): PublicSender {
  return objectSender(store, (key) => key.startsWith('public/'));
}

/**
 * A sender of the keys `allowed` accepts (anything else is next()): storeSender's wall is
 * public/; the feed routes also send a private add-on's packages from private/feed-files/.
 */
export function objectSender(store: ObjectStore, allowed: (key: string) => boolean): PublicSender {
  return (req, res, next, key, options = {}) => {
    if (!allowed(key) || !isObjectKey(key)) return next();
    sendObject(store, req, res, key, options).then(
      (sent) => {
        if (!sent) next();
      },
      (err: unknown) => storageFailed(req, res, next, err),
    );
  };
}

async function sendObject(store: ObjectStore, req: Request, res: Response, key: string, options: SendOptions): Promise<boolean> {
  const range = await rangeOf(store, req, key);
  if (range === 'absent') return false;
  if (range && 'unsatisfiable' in range) {
    res.status(416).set({ 'Content-Range': `bytes */${range.size}`, 'Cache-Control': 'no-store' }).end();
    return true;
  }
  const body = await store.get(key, range);
  if (!body) return false;
  const headers = headersOf(key);
  res.setHeader('Content-Type', options.contentType ?? body.contentType ?? headers.contentType ?? 'application/octet-stream');
  res.setHeader('Cache-Control', options.cacheControl ?? headers.cacheControl ?? 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Accept-Ranges', 'bytes');
  if (body.lastModified) res.setHeader('Last-Modified', body.lastModified.toUTCString());
  if (body.etag) res.setHeader('ETag', body.etag);
  if (options.disposition) res.setHeader('Content-Disposition', options.disposition);
  if (notModified(req, body)) {
    body.stream.destroy();
    res.removeHeader('Content-Type');
    res.status(304).end();
    return true;
  }
  if (body.range) {
    res.status(206).setHeader('Content-Range', `bytes ${body.range.start}-${body.range.end}/${body.size}`);
    res.setHeader('Content-Length', String(body.range.end - body.range.start + 1));
  } else res.setHeader('Content-Length', String(body.size));
  if (req.method === 'HEAD') {
    body.stream.destroy();
    res.end();
    return true;
  }
  // Headers are out: a failure from here on can only cut the answer short.
  await pipeline(body.stream, res).catch(() => res.destroy());
  return true;
}

/**
 * The one range a request asks for, checked against the object's size (a HEAD first, so an
 * unsatisfiable range costs no body). Several ranges, a malformed header or an If-Range get the
 * whole object, as express.static answers them.
 */
async function rangeOf(store: ObjectStore, req: Request, key: string): Promise<ByteRange | { unsatisfiable: true; size: number } | 'absent' | undefined> {
  if (req.headers.range === undefined || req.headers['if-range'] !== undefined || req.method !== 'GET') return undefined;
  const info = await store.head(key);
  if (!info) return 'absent';
  const ranges = req.range(info.size, { combine: true });
  if (ranges === -1) return { unsatisfiable: true, size: info.size };
  if (ranges === -2 || ranges === undefined || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return { start: ranges[0]!.start, end: ranges[0]!.end };
}

/** HTTP's weak comparison: `W/` does not matter for a GET's validators (RFC 9110 §13.1.2). */
function notModified(req: Request, body: ObjectBody): boolean {
  const inm = req.headers['if-none-match'];
  const tag = (t: string) => t.trim().replace(/^W\//, '');
  if (inm !== undefined) return inm.trim() === '*' || inm.split(',').some((t) => tag(t) === tag(body.etag));
  const ims = req.headers['if-modified-since'];
  if (ims === undefined || !body.lastModified) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(body.lastModified.getTime() / 1000) * 1000 <= since;
}

/** A store that does not answer is the server's trouble, never the client's: 503, logged with its cause. */
function storageFailed(req: Request, res: Response, next: NextFunction, err: unknown): void {
  if (!(err instanceof ObjectStoreError)) return next(err);
  req.log?.error({ err }, 'reading a public object failed');
  if (res.headersSent) return void res.destroy();
  res.status(503).set('Retry-After', '5').json({ error: { code: 'STORAGE_UNAVAILABLE', message: 'The storage did not answer; try again shortly.' } });
}
