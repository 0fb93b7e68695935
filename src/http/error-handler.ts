import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorCode } from '../error-codes.ts';
import { isOutpostError } from '../errors.ts';
import { ApiError } from './api-error.ts';
import { redactUrl } from './log-redaction.ts';
import { statusForCode } from './error-status.ts';

export const notFound: RequestHandler = (req, _res, next) => {
  // The path may hold a feed's secret (a mistyped or revoked one, or one for another route).
  next(new ApiError('NOT_FOUND', `Nothing at ${req.method} ${redactUrl(req.path)}.`));
};

/** Always `{ "error": { "code", "message" } }`; internals are logged, never sent. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let status = 500;
  let code: ErrorCode = 'INTERNAL';
  let message = 'Something went wrong on the server; it has been logged.';
  if (isOutpostError(err) && statusForCode(err.code) < 500) {
    status = statusForCode(err.code);
    code = err.code;
    message = err.message;
  } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    // body-parser / static errors (malformed JSON, bad ranges, aborted requests) are the client's.
    status = err.status;
    code = status === 404 ? 'NOT_FOUND' : status === 403 ? 'FORBIDDEN' : status === 413 ? 'UPLOAD_TOO_LARGE' : 'BAD_REQUEST';
    message = err.expose && err.message ? err.message : 'The request could not be processed.';
  } else {
    req.log?.error({ err }, 'request failed');
  }
  if (res.headersSent) return void res.destroy();
  res.status(status).json({ error: { code, message } });
};
