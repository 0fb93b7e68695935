import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { parse as parseQuery } from 'node:querystring';
import type { ByteLru } from '../cache/byte-lru.ts';
import type { UpdateAnswer, UpdateQueryService } from '../app/update-queries.ts';
import { CACHE_MANIFESTS, SERVED_TYPES } from './routes/served-files.ts';
import { updateQueryFrom } from './routes/update-queries.ts';

/**
 * Update checks are by far the most frequent request, so manifests and ready update-query answers
 * are served before Express (no router, no per-request log line) from memory: static documents
 * from an in-memory copy that the manifest writer invalidates, adaptive answers from the answer
 * cache. Anything unusual — a Range header, a method other than GET/HEAD, a file that does not
 * exist, an answer not built yet — falls through to the Express app, which answers exactly as
 * before (and builds the answer for the next request).
 */
interface Entry {
  body: Buffer;
  etag: string;
  lastModified: string;
  mtimeMs: number;
  /** Prebuilt flat header lists: the hot path only calls writeHead with them. */
  ok: string[];
  notModified: string[];
}

const MANIFEST_PATH = /^\/updates\/((?:[^/]+\/){1,3})(update\.(?:rdf|json))$/;
const ADAPTIVE_PATH = /^\/updates\/([^/]+)$/;
const DOC = 'doc:';
/** Header arrays, timestamps and the entry itself, on top of the body. */
const ENTRY_OVERHEAD = 512;

export class ManifestCache {
  /** Bumped by every invalidation: a read that raced a write must not be cached. */
  private generation = 0;

  constructor(
    private readonly publicDir: string,
    /** The process-wide serving budget (shared with update-query answers and records). */
    private readonly memory: ByteLru,
  ) {}

  /** Called by the manifest writer after every write. */
  invalidate(file: string): void {
    this.generation += 1;
    this.memory.delete(DOC + file);
  }

  /** The file a request path names inside the public tree, or undefined if it names none. */
  resolve(pathname: string): string | undefined {
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
    return path.join(this.publicDir, 'updates', ...segments, m[2]!);
  }

  cached(file: string): Entry | undefined {
    return this.memory.get<Entry>(DOC + file);
  }

  async load(file: string): Promise<Entry | undefined> {
    const generation = this.generation;
    try {
      const [info, body] = await Promise.all([stat(file), readFile(file)]);
      // Same weak validator as express.static, so 304s work across both paths.
      const etag = `W/"${body.length.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      const lastModified = info.mtime.toUTCString();
      const common = ['Cache-Control', CACHE_MANIFESTS, 'X-Content-Type-Options', 'nosniff', 'Accept-Ranges', 'bytes', 'Last-Modified', lastModified, 'ETag', etag];
      const contentType = SERVED_TYPES[path.extname(file)]!;
      const entry: Entry = {
        body, etag, lastModified, mtimeMs: info.mtimeMs,
        ok: ['Content-Type', contentType, ...common, 'Content-Length', String(body.length)],
        notModified: common,
      };
      if (generation === this.generation) this.memory.set(DOC + file, entry, body.length + ENTRY_OVERHEAD);
      return entry;
    } catch {
      return undefined;
    }
  }
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
    res.writeHead(304, entry.notModified);
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

/** A ready answer for `/updates/<id>?…` or `/update?id=…`, parsed as Express would (querystring). */
function readyAnswer(answers: UpdateQueryService, pathname: string, search: string): UpdateAnswer | undefined {
  const params = parseQuery(search);
  let id: string | undefined;
  if (pathname === '/update') {
    id = typeof params.id === 'string' && params.id !== '' ? params.id : undefined;
  } else {
    const m = ADAPTIVE_PATH.exec(pathname);
    if (!m) return undefined;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      return undefined;
    }
  }
  if (!id) return undefined;
  return answers.cached(updateQueryFrom(params as Record<string, unknown>, id));
}

/** A request listener: the fast path where it applies, the Express app otherwise. */
export function withManifestFastPath(
  cache: ManifestCache,
  app: (req: IncomingMessage, res: ServerResponse) => void,
  answers?: UpdateQueryService,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.headers.range !== undefined) return app(req, res);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const file = cache.resolve(pathname);
    if (!file) {
      const answer = answers && (pathname === '/update' || pathname.startsWith('/updates/')) ? readyAnswer(answers, pathname, q < 0 ? '' : url.slice(q + 1)) : undefined;
      return answer ? sendAnswer(req, res, answer) : app(req, res);
    }
    const entry = cache.cached(file);
    if (entry) return send(req, res, entry);
    void cache.load(file).then((loaded) => (loaded ? send(req, res, loaded) : app(req, res)));
  };
}
