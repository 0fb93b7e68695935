import { rm } from 'node:fs/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { stageStream, StagingLimitError } from '../storage/staged-file.ts';
import { StagingWriteError } from '../storage/staging-worker.ts';
import { ApiError, uploadTooLarge } from './api-error.ts';
import { DRAIN_MS } from './client-errors.ts';
import { packageUpload, type UploadOptions } from './upload.ts';

/** The body form's media type: the package's own bytes, nothing around them. */
export const RAW_UPLOAD_TYPE = 'application/octet-stream';

/** What the query may carry: the file name and the multipart form's text fields, by the same names. */
const FIELD = /^(name|updateInfoURL|kind|channel|releaseNotes|releaseNotes\.[^=&]*)$/;
const MAX_NAME_BYTES = 255;

/**
 * `POST /api/v1/packages` in either form: multipart (field `package`, as browsers and curl -F send
 * it) or the raw body (`Content-Type: application/octet-stream`, as `outpost publish` sends it).
 * Either way `req.staged` is the file on disk and `req.body` its text fields.
 */
export function apiPackageUpload(options: UploadOptions): RequestHandler {
  const multipart = packageUpload(options);
  const raw = rawPackageUpload(options);
  return (req, res, next) => {
    if (req.is('multipart/form-data')) return multipart(req, res, next);
    if (req.is(RAW_UPLOAD_TYPE)) return raw(req, res, next);
    refuse(req, res, next, new ApiError('PACKAGE_MISSING', `Send the package as the request body with Content-Type: ${RAW_UPLOAD_TYPE} and ?name=<file name>, or as the multipart field "package".`));
  };
}

/**
 * The package as the whole request body, its file name in `?name=` and the form's text fields as
 * query parameters. No multipart parsing: busboy's boundary search cost ~50 ms of event loop per
 * 200 MB. The size limit holds while streaming: a Content-Length over it is refused before a file
 * exists, a chunked body as soon as it passes it.
 */
export function rawPackageUpload({ tmpDir, maxBytes }: UploadOptions): RequestHandler {
  return (req, res, next) => {
    let fields: Record<string, string>;
    try {
      fields = queryFields(req.originalUrl);
    } catch (err) {
      return refuse(req, res, next, err);
    }
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > maxBytes) return refuse(req, res, next, uploadTooLarge(maxBytes));
    if (declared === 0) return refuse(req, res, next, new ApiError('PACKAGE_MISSING', 'The request body is empty: send the package as the body.'));
    // A compressed body would be stored and hashed as the compressed bytes, not the package.
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      return refuse(req, res, next, new ApiError('UPLOAD_INVALID', `Send the package as it is, without Content-Encoding (got "${encoding}").`));
    }
    const { name, ...text } = fields;
    stageStream(req, tmpDir, maxBytes).then(
      (file) => {
        // Whatever happens later, the temp file is gone once the response is sent (after a
        // successful publish it has already been moved into place).
        res.on('close', () => void rm(file.path, { force: true }));
        req.staged = { ...file, originalName: name };
        req.body = text;
        next();
      },
      (err: unknown) => {
        if (err instanceof StagingLimitError) return refuse(req, res, next, uploadTooLarge(maxBytes));
        // A failing disk (ENOSPC, EIO) or hashing thread is ours: 500, logged. A body that broke off
        // is the client's, and usually nobody is left to hear the answer.
        const errno = err as NodeJS.ErrnoException;
        if (req.complete || err instanceof StagingWriteError || (errno?.syscall && errno.code !== 'ECONNRESET')) return next(err);
        next(new ApiError('UPLOAD_INVALID', 'The request body ended before all of it arrived.', { cause: err }));
      },
    );
  };
}

/** `name` (required) plus the known text fields, each at most once; anything else is refused. */
export function queryFields(url: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of new URL(url, 'http://query.invalid').searchParams) {
    if (!FIELD.test(key)) throw new ApiError('UPLOAD_INVALID', `Unknown query parameter "${key.slice(0, 100)}": the body form takes name, updateInfoURL, kind, channel and releaseNotes[.<locale>].`);
    if (Object.hasOwn(fields, key)) throw new ApiError('UPLOAD_INVALID', `The query parameter "${key}" is given twice.`);
    fields[key] = value;
  }
  checkFileName(fields.name);
  return fields;
}

/** The name only tells formats apart (.jpl, .zip) and never becomes a path; still, it must look like a file name. */
function checkFileName(name: string | undefined): asserts name is string {
  const problem =
    name === undefined || name === '' ? 'is missing: add ?name=<file name> (e.g. my-addon-1.2.xpi)'
    : Buffer.byteLength(name) > MAX_NAME_BYTES ? `is longer than ${MAX_NAME_BYTES} bytes`
    : /[\x00-\x1f\x7f/\\]/.test(name) ? 'contains a path separator or a control character'
    : name === '.' || name === '..' ? 'is not a file name'
    : undefined;
  if (problem) throw new ApiError('UPLOAD_NAME_INVALID', `The file name (?name=) ${problem}.`);
}

/**
 * Answers before the body has been read, and reads on, dropping it. Node would close the
 * connection of a request that said `Connection: close` (Node's own client without an agent does)
 * right after the answer, with the rest of the body unread: the kernel then resets it, and the
 * client often loses the answer it was about to read. So the connection stays open while the client still sends, and
 * one that goes on sending is cut off after DRAIN_MS, as for requests Node's parser refuses.
 */
function refuse(req: Request, res: Response, next: NextFunction, err: unknown): void {
  if (!req.complete) {
    res.shouldKeepAlive = true;
    req.resume();
    const cutOff = setTimeout(() => req.socket.destroy(), DRAIN_MS).unref();
    req.once('end', () => clearTimeout(cutOff));
  }
  next(err);
}
