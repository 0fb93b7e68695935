import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import multer from 'multer';

/** What the fake server saw of one upload, parsed as the real server will (multer for multipart). */
export interface ReceivedUpload {
  method: string;
  path: string;
  /** multipart, or the raw body form (Content-Type application/octet-stream, name and fields in the query). */
  form?: 'multipart' | 'body';
  headers: IncomingHttpHeaders;
  fields: Record<string, string>;
  /** `field` is '' for the body form. */
  file?: { field: string; name: string; mimeType: string; size: number; sha256: string };
  error?: string;
}

export type Responder = (got: ReceivedUpload, res: ServerResponse) => void;

export interface FakeServer {
  /** Base address, e.g. http://127.0.0.1:1234/ (plus the prefix). */
  url: string;
  received: ReceivedUpload[];
  close(): Promise<void>;
}

/**
 * A local publishing endpoint: the package (a raw body, or multer's `package` part) is hashed as
 * it streams in (nothing is buffered, so memory tests measure the client), then `respond` answers.
 * `other` answers every other request (withdraw, restore, …); without it they get a plain-text 404.
 * `multipartOnly`: answer a raw body as servers before the body form did (400 PACKAGE_MISSING).
 */
export async function startFakeServer(respond: Responder, options: { prefix?: string; other?: Responder; multipartOnly?: boolean } = {}): Promise<FakeServer> {
  const prefix = options.prefix ?? '/';
  const received: ReceivedUpload[] = [];
  const hashes = new WeakMap<object, { size: number; sha256: string }>();
  const storage: multer.StorageEngine = {
    _handleFile(req, file, cb) {
      const hash = createHash('sha256');
      let size = 0;
      file.stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      file.stream.on('error', (err: Error) => cb(err));
      file.stream.on('end', () => {
        hashes.set(req, { size, sha256: hash.digest('hex') });
        cb(null, {});
      });
    },
    _removeFile(_req, _file, cb) {
      cb(null);
    },
  };
  // multer is Express middleware but only needs Node's request and response objects.
  const parse = multer({ storage }).single('package') as unknown as (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const got: ReceivedUpload = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, fields: {} };
    received.push(got);
    if (req.method !== 'POST' || url.pathname !== `${prefix}api/v1/packages`) {
      // Other API calls (withdraw, restore) carry no body worth parsing.
      if (options.other) req.resume().on('end', () => options.other!(got, res));
      else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
      return;
    }
    if (req.headers['content-type'] === 'application/octet-stream') {
      if (options.multipartOnly) {
        return void req.resume().on('end', () => sendJson(res, 400, { error: { code: 'PACKAGE_MISSING', message: 'Send the package as the multipart field "package".' } }));
      }
      got.form = 'body';
      const { name = '', ...fields } = Object.fromEntries(url.searchParams);
      got.fields = fields;
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      req.on('end', () => {
        got.file = { field: '', name, mimeType: 'application/octet-stream', size, sha256: hash.digest('hex') };
        respond(got, res);
      });
      return;
    }
    got.form = 'multipart';
    parse(req, res, (err) => {
      const r = req as IncomingMessage & { body?: Record<string, string>; file?: { fieldname: string; originalname: string; mimetype: string } };
      if (err) {
        got.error = String((err as Error).message ?? err);
        if (!res.headersSent && !res.destroyed) res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad upload\n');
        return;
      }
      got.fields = { ...(r.body ?? {}) };
      const h = hashes.get(req);
      if (r.file && h) got.file = { field: r.file.fieldname, name: r.file.originalname, mimeType: r.file.mimetype, ...h };
      respond(got, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** The success answer the real server gives, built from what arrived. */
export function publishedAnswer(got: ReceivedUpload, extra: { warnings?: unknown[] } = {}): Record<string, unknown> {
  return {
    id: 'demo@example.org',
    version: '1.2',
    type: 'extension',
    sha256: got.file?.sha256 ?? '',
    size: got.file?.size ?? 0,
    links: {
      download: 'https://u.example/outpost/packages/demo@example.org/1.2.xpi',
      updateRdf: 'https://u.example/outpost/updates/demo@example.org/update.rdf',
    },
    warnings: extra.warnings ?? [],
  };
}

/** A port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
