import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http, { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { OutpostError } from '../errors.ts';
import { multipartForm, rawBodyForm, type BodyForm } from './upload-forms.ts';

export type UploadErrorCode = 'UPLOAD_BAD_SERVER_URL' | 'UPLOAD_FILE_UNREADABLE' | 'UPLOAD_FILE_CHANGED' | 'UPLOAD_CONNECTION_FAILED' | 'UPLOAD_TLS_FAILED' | 'UPLOAD_TIMEOUT';

/** The upload could not be carried out (no usable answer from the server). */
export class UploadError extends OutpostError<UploadErrorCode> {}

/** The publishing endpoint, relative to the server's base address (which may carry a path prefix). */
export const PUBLISH_PATH = 'api/v1/packages';

export interface UploadRequest {
  /** The server's base address, e.g. https://example.org/outpost/ */
  server: string | URL;
  token: string;
  /** Path of the package; it is streamed, never read into memory. */
  file: string;
  /** Extra text fields, sent before the file so a server can look at them before the bytes arrive. */
  fields?: Readonly<Record<string, string>>;
  /** Called as body bytes are handed to the socket; `total` is the Content-Length. */
  onProgress?: (sent: number, total: number) => void;
  /** Give up when the connection is idle this long (default 5 minutes: big packages take a while to check). */
  idleTimeoutMs?: number;
}

export interface UploadResponse {
  status: number;
  /** The body parsed as JSON, or undefined when it is not JSON (e.g. a proxy's HTML page). */
  body: unknown;
  rawBody: string;
  headers: IncomingHttpHeaders;
  /** sha256 (hex) of the file bytes sent; undefined when the server answered before the whole file went out. */
  sha256?: string;
}

/** Keep at most this much of an answer: a publish result is small, and a hostile server must not fill memory. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

/** The server's base address; anything that cannot be a plain http(s) base is refused up front. */
export function parseServerUrl(text: string): URL {
  const bad = (why: string): UploadError => new UploadError('UPLOAD_BAD_SERVER_URL', why);
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url) throw bad(`"${text}" is not a URL; give the server's address with http:// or https://`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`"${text}" is not an http:// or https:// address`);
  if (url.username || url.password) throw bad('the server address must not contain a user name or password; use the token instead');
  if (url.search || url.hash) throw bad('the server address must be its base address, without ?query or #fragment');
  return url;
}

/** `https://h/outpost` and `https://h/outpost/` both mean the prefix /outpost/. */
export function apiEndpoint(server: URL, relative: string): URL {
  const base = new URL(server.href);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(relative, base);
}

export function publishEndpoint(server: URL): URL {
  return apiEndpoint(server, PUBLISH_PATH);
}

async function fileIdentity(file: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UploadError('UPLOAD_FILE_UNREADABLE', `${file} is not a regular file`);
    return { size: info.size, mtimeMs: info.mtimeMs };
  } catch (err) {
    if (err instanceof UploadError) throw err;
    throw new UploadError('UPLOAD_FILE_UNREADABLE', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`, { cause: err });
  }
}

/**
 * Streams `file` to POST <server>/api/v1/packages with a known Content-Length: as the raw body,
 * or multipart/form-data when the fields are too long for a query or the server predates the body
 * form. Any HTTP answer resolves (the caller judges the status); only failures to get an answer at
 * all reject, with an UploadError.
 */
export async function uploadPackage(req: UploadRequest): Promise<UploadResponse> {
  const endpoint = publishEndpoint(typeof req.server === 'string' ? parseServerUrl(req.server) : req.server);
  const name = path.basename(req.file);
  const fields = req.fields ?? {};
  const raw = rawBodyForm(endpoint, name, fields);
  if (raw) {
    const answer = await send(req, raw);
    // A server from before the body form looks for a multipart part, finds none and says so at once.
    if (!(answer.status === 400 && (answer.body as { error?: { code?: string } })?.error?.code === 'PACKAGE_MISSING')) return answer;
  }
  return send(req, multipartForm(endpoint, name, fields));
}

async function send(req: UploadRequest, form: BodyForm): Promise<UploadResponse> {
  const { url: endpoint, head, tail } = form;
  const before = await fileIdentity(req.file);
  const total = head.length + before.size + tail.length;
  const transport = endpoint.protocol === 'https:' ? https : http;

  return new Promise<UploadResponse>((resolve, reject) => {
    let settled = false;
    let response: IncomingMessage | undefined;
    let sentSha256: string | undefined;
    const request = transport.request(endpoint, {
      method: 'POST',
      // A fresh connection, destroyed once the answer is read: a CLI has nothing to reuse it for.
      agent: false,
      headers: {
        Authorization: `Bearer ${req.token}`,
        'Content-Type': form.contentType,
        'Content-Length': String(total),
        Accept: 'application/json',
        // Not `close` (agent: false would send that): Node closes a `close` connection right after
        // an early answer (a refusal before the body is in), and with body bytes still unread the
        // kernel resets it, often before the answer is read. Kept alive, the server reads on.
        Connection: 'keep-alive',
      },
    });
    const fail = (err: UploadError): void => {
      if (settled) return;
      settled = true;
      request.destroy();
      reject(err);
    };
    request.setTimeout(req.idleTimeoutMs ?? 300_000, () => {
      request.destroy(new UploadError('UPLOAD_TIMEOUT', `${endpoint.host} stopped answering; no data moved for ${Math.round((req.idleTimeoutMs ?? 300_000) / 1000)} s`));
    });
    request.on('error', (err) => {
      // Once the server has answered (e.g. a proxy's early 413), write errors are just the
      // connection closing behind that answer: report the answer, not the broken pipe.
      if (!response) fail(connectionError(err, endpoint));
    });
    request.on('response', (res) => {
      response = res;
      void readAnswer(res).then((rawBody) => {
        if (settled) return;
        settled = true;
        request.destroy();
        resolve({ status: res.statusCode ?? 0, body: parseJson(rawBody), rawBody, headers: res.headers, sha256: sentSha256 });
      });
    });

    // The file's hash and the changed-file check are settled before the body's last byte goes out
    // (the closing boundary, or in the body form the file's own last byte): until then the
    // server cannot have the whole package, so it cannot answer success first.
    const beforeTail = async (sha256: string): Promise<void> => {
      const after = await fileIdentity(req.file);
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        throw new UploadError('UPLOAD_FILE_CHANGED', `${req.file} changed while it was being sent; publish again once it is written`);
      }
      sentSha256 = sha256;
    };
    const answered = (): boolean => response !== undefined || settled;
    sendBody(request, { head, tail, file: req.file, size: before.size, total, onProgress: req.onProgress, answered, beforeTail })
      .then((complete) => {
        if (complete) request.end();
      })
      .catch((err: unknown) => {
        // Socket trouble surfaces through request 'error' (or an answer); our own file problems do not.
        if (err instanceof UploadError) fail(err);
      });
  });
}

interface BodyParts {
  head: Buffer;
  tail: Buffer;
  file: string;
  size: number;
  total: number;
  onProgress?: (sent: number, total: number) => void;
  /** True once the server has answered: an answer before the body is complete is a refusal. */
  answered: () => boolean;
  beforeTail: (sha256: string) => Promise<void>;
}

/** Writes the body but does not end the request; false when it stopped early because the server answered. */
async function sendBody(request: ClientRequest, parts: BodyParts): Promise<boolean> {
  const hash = createHash('sha256');
  let sent = 0;
  let fileBytes = 0;
  const push = async (chunk: Buffer): Promise<void> => {
    await writeChunk(request, chunk);
    sent += chunk.length;
    parts.onProgress?.(sent, parts.total);
  };
  // In the body form nothing follows the file: its own last byte is held back instead.
  let tail = parts.tail;
  if (parts.head.length) await push(parts.head);
  if (parts.size > 0) {
    // `end` caps the read at the size announced in Content-Length even if the file grows meanwhile.
    const stream = createReadStream(parts.file, { start: 0, end: parts.size - 1, highWaterMark: CHUNK_BYTES });
    try {
      for await (const chunk of stream) {
        if (parts.answered()) return false;
        const buf = chunk as Buffer;
        fileBytes += buf.length;
        hash.update(buf);
        if (parts.tail.length === 0 && fileBytes === parts.size) {
          tail = buf.subarray(buf.length - 1);
          if (buf.length > 1) await push(buf.subarray(0, buf.length - 1));
        } else {
          await push(buf);
        }
      }
    } catch (err) {
      if (err instanceof UploadError || !(err as NodeJS.ErrnoException).syscall) throw err;
      throw new UploadError('UPLOAD_FILE_UNREADABLE', `cannot read ${parts.file} (${(err as NodeJS.ErrnoException).code})`, { cause: err });
    } finally {
      stream.destroy();
    }
  }
  if (fileBytes !== parts.size) {
    throw new UploadError('UPLOAD_FILE_CHANGED', `${parts.file} got shorter while it was being sent; publish again once it is written`);
  }
  await parts.beforeTail(hash.digest('hex'));
  if (parts.answered()) return false;
  if (tail.length) await push(tail);
  return true;
}

function writeChunk(request: ClientRequest, chunk: Buffer): Promise<void> {
  if (request.destroyed) return Promise.reject(new Error('connection closed'));
  if (request.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      request.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      request.off('drain', onDrain);
      reject(new Error('connection closed'));
    };
    request.once('drain', onDrain);
    request.once('close', onClose);
  });
}

/** Collects up to MAX_ANSWER_BYTES; a connection cut mid-answer still yields what arrived (the status is what matters). */
export function readAnswer(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    res.on('data', (chunk: Buffer) => {
      const part = chunk.subarray(0, Math.max(0, MAX_ANSWER_BYTES - kept));
      chunks.push(part);
      kept += part.length;
    });
    for (const event of ['end', 'error', 'close']) res.once(event, () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const UNTRUSTED_CERT = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT'];

/** One plain sentence for each way a connection fails before any answer. */
export function connectionError(err: unknown, endpoint: URL): UploadError {
  if (err instanceof UploadError) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const { host, hostname } = endpoint;
  const network = (msg: string): UploadError => new UploadError('UPLOAD_CONNECTION_FAILED', msg, { cause: err });
  const tls = (msg: string): UploadError => new UploadError('UPLOAD_TLS_FAILED', `the TLS ${msg}`, { cause: err });
  if (code === 'ECONNREFUSED') return network(`cannot connect to ${host}: connection refused (is the server running on that port?)`);
  if (code === 'ENOTFOUND') return network(`cannot find the host ${hostname} (check the --server address)`);
  if (code === 'EAI_AGAIN') return network(`cannot look up ${hostname} right now (DNS did not answer)`);
  if (['ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH'].includes(code)) return network(`cannot reach ${host} (${code})`);
  if (code === 'ECONNRESET' || code === 'EPIPE') return network(`${host} closed the connection before answering`);
  if (UNTRUSTED_CERT.includes(code)) return tls(`certificate of ${host} is not trusted (${code}); if your own CA issued it, set NODE_EXTRA_CA_CERTS to its PEM file`);
  if (code === 'CERT_HAS_EXPIRED') return tls(`certificate of ${host} has expired`);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return tls(`certificate of ${host} is for a different host name`);
  if (code === 'EPROTO' || /^ERR_(SSL|TLS)_/.test(code)) return tls(`handshake with ${host} failed (if it serves plain HTTP, use http://)`);
  return network(`cannot talk to ${host}: ${(err as Error)?.message ?? String(err)}`);
}
