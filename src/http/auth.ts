import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { TokenRecord, TokenStore } from '../storage/token-store.ts';
import { ApiError } from './api-error.ts';

declare module 'express-serve-static-core' {
  interface Request {
    token?: TokenRecord;
  }
}

/** `Authorization: Bearer opt_…` on every API route; the token decides the publisher key. */
export function requireToken(tokens: TokenStore): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (!header) {
      res.set('WWW-Authenticate', 'Bearer realm="outpost"');
      return next(new ApiError('AUTH_REQUIRED', 'This API needs an API token: send "Authorization: Bearer <token>".'));
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const record = m ? await tokens.authenticate(m[1]!) : undefined;
    if (!record) {
      res.set('WWW-Authenticate', 'Bearer realm="outpost", error="invalid_token"');
      return next(new ApiError('AUTH_INVALID', 'The API token is not valid or has been revoked.'));
    }
    req.token = record;
    res.on('finish', () => {
      if (res.statusCode < 400) void tokens.touch(record.id).catch(() => undefined);
    });
    next();
  };
}
