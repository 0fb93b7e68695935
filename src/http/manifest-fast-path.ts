import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { parse as parseQuery } from 'node:querystring';
import type { ByteLru } from '../cache/byte-lru.ts';
import type { PreparedQuery, UpdateAnswer, UpdateQuery, UpdateQueryService } from '../app/update-queries.ts';
import { CACHE_MANIFESTS, SERVED_TYPES } from '../catalog/served-headers.ts';
import { updateQueryFrom } from './routes/update-queries.ts';

/**
 * Update checks are by far the most frequent request, so manifests and ready update-query answers
 * are served before Express (no router, no per-request log line) from memory: static documents
 * from an in-memory copy that the manifest writer invalidates, adaptive answers from the answer
 * cache (built on a miss). Anything unusual — a Range header, a method other than GET/HEAD, a file
 * that does not exist, an unknown add-on — falls through to the Express app, which answers
 * exactly as before.
 */
export interface Entry {
  body: Buffer;
  etag: string;
  mtimeMs: number;
  /** Prebuilt flat header list: the hot path only calls writeHead with it. */
  ok: string[];
}

const MANIFEST_PATH = /^\/updates\/((?:[^/]+\/){1,3})(update\.(?:rdf|json))$/;
const ADAPTIVE_PATH = /^\/updates\/([^/]+)$/;
export const DOC = 'doc:';
/** The header array, its strings and the entry itself, on top of the body. */
export const ENTRY_OVERHEAD = 512;
/**
 * Request URLs remembered with what they resolve to, so a repeated poll skips parsing. Small and
 * simply started over when full (about 256 × 0.5 kB, outside the cache budget): entries that are
 * not asked for again then die young, before the garbage collector has to copy them around, which
 * matters when clients send many distinct URLs.
 */
const URL_MEMO_LIMIT = 256;

/**
 * A Map that forgets everything once it holds `limit` entries: a memo, never a store. While
 * fewer than one lookup in eight hits, it stops remembering (the URLs are all different), so it
 * costs neither insertions nor garbage-collector work; it tries again as the counts decay.
 */
export class Memo<V> {
  private readonly map = new Map<string, V>();
  private lookups = 0;
  private hits = 0;
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (++this.lookups === 4096) {
      this.lookups = 2048;
      this.hits >>= 1;
    }
    if (value !== undefined) this.hits++;
    return value;
  }
  set(key: string, value: V): V {
    if (this.lookups >= 256 && this.hits * 8 < this.lookups) return value;
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(key, value);
    return value;
  }
}

/**
 * Where the fast path finds served documents: the data folder (ManifestCache, synchronous reads)
 * or a bucket (StoreManifestCache, manifest-store-cache.ts). `name` is what `resolve` returned.
 */
export interface ManifestSource {
  /** The name a request path stands for, or undefined if it is no served document's path. */
  resolve(pathname: string): string | undefined;
  cached(name: string): Entry | undefined;
  /** Undefined when there is no such document (Express then answers, as for any other path). */
  load(name: string): Entry | undefined | Promise<Entry | undefined>;
  /** Forgets a document, by object key ("public/updates/<id>/update.rdf"): after a write, here or elsewhere. */
  invalidate(key: string): void;
}

/** The path segments below /updates/ and the document's name, or undefined for any other path. */
export function manifestPathParts(pathname: string): string[] | undefined {
  const m = MANIFEST_PATH.exec(pathname);
  if (!m) return undefined;
  let segments: string[];
  try {
    segments = m[1]!.slice(0, -1).split('/');
    if (pathname.includes('%')) segments = segments.map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (segments.some((s) => !s || s.startsWith('.') || /[/\\\0]/.test(s))) return undefined;
  return [...segments, m[2]!];
}

/** Request path → name (null: not a manifest path), memoised: a pure function, so never stale. */
export function memoisedResolver(parse: (pathname: string) => string | undefined): (pathname: string) => string | undefined {
  const paths = new Memo<string | null>(URL_MEMO_LIMIT);
  return (pathname) => {
    const known = paths.get(pathname);
    if (known !== undefined) return known ?? undefined;
    return paths.set(pathname, parse(pathname) ?? null) ?? undefined;
  };
}

/** The folder deployment's documents, read synchronously from the data folder. */
export class ManifestCache implements ManifestSource {
  readonly resolve: (pathname: string) => string | undefined;

  constructor(
    private readonly publicDir: string,
    /** The process-wide serving budget (shared with update-query answers and records). */
    private readonly memory: ByteLru,
  ) {
    this.resolve = memoisedResolver((pathname) => {
      const parts = manifestPathParts(pathname);
      return parts && path.join(this.publicDir, 'updates', ...parts);
    });
  }

  /** Called by the manifest writer after every write. */
  invalidate(key: string): void {
    // Reads are synchronous, so no read can be half-way while this runs.
    if (key.startsWith('public/')) this.memory.delete(DOC + path.join(this.publicDir, ...key.slice('public/'.length).split('/')));
  }

  cached(file: string): Entry | undefined {
    return this.memory.get<Entry>(DOC + file);
  }

  /**
   * Reads a manifest into the cache. Synchronously, through one descriptor (its stat and its
   * bytes agree): a manifest is a few kB in the page cache, and four threadpool round trips cost
   * more main-thread time than the reads themselves (measured 30–90 µs against ~15 µs on 2 busy
   * cores). Undefined when there is no such file.
   */
  load(file: string): Entry | undefined {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return undefined;
    }
    try {
      const info = fstatSync(fd);
      if (!info.isFile()) return undefined;
      const body = Buffer.allocUnsafeSlow(info.size);
      let length = 0;
      for (let n = 1; length < body.length && n > 0; length += n) n = readSync(fd, body, length, body.length - length, length);
      // Same weak validator as express.static, so 304s work across both paths.
      const etag = `W/"${length.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      const entry: Entry = {
        body: length === body.length ? body : body.subarray(0, length),
        etag,
        mtimeMs: info.mtimeMs,
        ok: ['Content-Type', SERVED_TYPES[path.extname(file)]!, ...commonHeaders(info.mtime.toUTCString(), etag), 'Content-Length', String(length)],
      };
      this.memory.set(DOC + file, entry, length + ENTRY_OVERHEAD);
      return entry;
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  }
}

export function commonHeaders(lastModified: string, etag: string): string[] {
  return ['Cache-Control', CACHE_MANIFESTS, 'X-Content-Type-Options', 'nosniff', 'Accept-Ranges', 'bytes', 'Last-Modified', lastModified, 'ETag', etag];
}

function notModified(req: IncomingMessage, entry: Entry): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    return inm === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === entry.etag.replace(/^W\//, ''));
  }
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(entry.mtimeMs / 1000) * 1000 <= since;
}

function send(req: IncomingMessage, res: ServerResponse, entry: Entry): void {
  if ((req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined) && notModified(req, entry)) {
    // The 304 carries the validators and caching headers, not the body's type and length.
    res.writeHead(304, entry.ok.slice(2, -2));
    res.end();
    return;
  }
  res.writeHead(200, entry.ok);
  res.end(req.method === 'HEAD' ? undefined : entry.body);
}

/** The headers the Express update-query route sends, built once per answer. */
const answerHeaders = new WeakMap<UpdateAnswer, string[]>();

function sendAnswer(req: IncomingMessage, res: ServerResponse, answer: UpdateAnswer): void {
  let headers = answerHeaders.get(answer);
  if (!headers) {
    headers = ['Content-Type', SERVED_TYPES[`.${answer.format}`]!, 'Cache-Control', CACHE_MANIFESTS, 'X-Content-Type-Options', 'nosniff', 'Content-Length', String(answer.body.length)];
    answerHeaders.set(answer, headers);
  }
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : answer.body);
}

/** `/updates/<id>?…` or `/update?id=…` as the Express route reads it (querystring), or null. */
function queryOf(pathname: string, search: string): UpdateQuery | null {
  const params = parseQuery(search);
  let id: string | undefined;
  if (pathname === '/update') {
    id = typeof params.id === 'string' && params.id !== '' ? params.id : undefined;
  } else {
    const m = ADAPTIVE_PATH.exec(pathname);
    if (!m) return null;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      return null;
    }
  }
  if (!id) return null;
  return updateQueryFrom(params as Record<string, unknown>, id);
}

/** A request listener: the fast path where it applies, the Express app otherwise. */
export function withManifestFastPath(
  cache: ManifestSource,
  app: (req: IncomingMessage, res: ServerResponse) => void,
  answers?: UpdateQueryService,
): (req: IncomingMessage, res: ServerResponse) => void {
  // The same query object for a repeated URL lets the service skip validating and planning it.
  const queries = new Memo<PreparedQuery | null>(URL_MEMO_LIMIT);
  return (req, res) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.headers.range !== undefined) return app(req, res);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const file = cache.resolve(pathname);
    if (!file) {
      if (!answers || (pathname !== '/update' && !pathname.startsWith('/updates/'))) return app(req, res);
      let query = queries.get(url);
      if (query === undefined) {
        const parsed = queryOf(pathname, q < 0 ? '' : url.slice(q + 1));
        query = queries.set(url, parsed && answers.prepare(parsed));
      }
      if (!query) return app(req, res);
      const answer = answers.cached(query);
      if (answer) return sendAnswer(req, res, answer);
      // Built here too, not through Express: a miss then costs one rendering, not also a router
      // walk and a stat of the add-on's folder. Any failure (unknown add-on…) is Express's to answer.
      void answers.answer(query).then((built) => sendAnswer(req, res, built), () => app(req, res));
      return;
    }
    const entry = cache.cached(file);
    if (entry) return send(req, res, entry);
    const loaded = cache.load(file);
    // A bucket's documents arrive later; any failure is Express's to answer (a 404, or a 503).
    if (loaded instanceof Promise) return void loaded.then((e) => (e ? send(req, res, e) : app(req, res)), () => app(req, res));
    return loaded ? send(req, res, loaded) : app(req, res);
  };
}
