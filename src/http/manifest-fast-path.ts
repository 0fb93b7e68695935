import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { CACHE_MANIFESTS, SERVED_TYPES } from './routes/served-files.ts';

/**
 * Update checks are by far the most frequent request, so manifests are answered before Express
 * (no router, no per-request log line) from an in-memory copy that the manifest writer
 * invalidates. Anything unusual — a Range header, a method other than GET/HEAD, a file that does
 * not exist — falls through to the Express app, which answers exactly as before.
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

export class ManifestCache {
  private readonly entries = new Map<string, Entry>();
  /** Request path → file, so repeated polls skip parsing and decoding. */
  private readonly paths = new Map<string, string | null>();
  private bytes = 0;
  /** Bumped by every invalidation: a read that raced a write must not be cached. */
  private generation = 0;

  constructor(
    private readonly publicDir: string,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /** Called by the manifest writer after every write. */
  invalidate(file: string): void {
    this.generation += 1;
    const entry = this.entries.get(file);
    if (!entry) return;
    this.entries.delete(file);
    this.bytes -= entry.body.length;
  }

  /** The file a request path names inside the public tree, or undefined if it names none. */
  resolve(pathname: string): string | undefined {
    const known = this.paths.get(pathname);
    if (known !== undefined) return known ?? undefined;
    const file = this.parse(pathname);
    if (this.paths.size >= 100_000) this.paths.clear();
    this.paths.set(pathname, file ?? null);
    return file;
  }

  private parse(pathname: string): string | undefined {
    const m = MANIFEST_PATH.exec(pathname);
    if (!m) return undefined;
    let segments: string[];
    try {
      segments = m[1]!.slice(0, -1).split('/').map(decodeURIComponent);
    } catch {
      return undefined;
    }
    if (segments.some((s) => !s || s.startsWith('.') || /[/\\\0]/.test(s))) return undefined;
    return path.join(this.publicDir, 'updates', ...segments, m[2]!);
  }

  cached(file: string): Entry | undefined {
    return this.entries.get(file);
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
      if (generation === this.generation && body.length <= this.maxBytes / 16) {
        this.entries.set(file, entry);
        this.bytes += body.length;
        // Oldest first: a manifest that keeps being polled is simply loaded again.
        while (this.bytes > this.maxBytes) {
          const [oldest, old] = this.entries.entries().next().value!;
          this.entries.delete(oldest);
          this.bytes -= old.body.length;
        }
      }
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

/** A request listener: the fast path where it applies, the Express app otherwise. */
export function withManifestFastPath(
  cache: ManifestCache,
  app: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.headers.range !== undefined) return app(req, res);
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const file = cache.resolve(q < 0 ? url : url.slice(0, q));
    if (!file) return app(req, res);
    const entry = cache.cached(file);
    if (entry) return send(req, res, entry);
    void cache.load(file).then((loaded) => (loaded ? send(req, res, loaded) : app(req, res)));
  };
}
