import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { csrfMatches } from './session.ts';
import { renderPage } from './views.ts';

/**
 * Pages redirect to sign-in; actions without a session are refused outright. Neither creates a
 * session: only a successful sign-in does.
 */
export const requireAdmin: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
  if (req.session) return next();
  if (req.method === 'GET' || req.method === 'HEAD') {
    const nextPath = req.originalUrl.startsWith(req.baseUrl) ? req.originalUrl : req.baseUrl;
    return res.redirect(302, `${req.baseUrl}/login?next=${encodeURIComponent(nextPath)}`);
  }
  renderPage(req, res, 'error', { title: 'Signed out', status: 403 }, {
    heading: 'You are not signed in',
    message: 'Your session has ended. Sign in again and repeat the action.',
  });
};

/**
 * Every state-changing request of a signed-in admin carries the session's CSRF token: in the form body, or (for
 * multipart forms, checked before the upload is read) in the query string.
 */
export const requireCsrf: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
  const token = req.query._csrf ?? (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
  if (csrfMatches(req.session, token)) return next();
  renderPage(req, res, 'error', { title: 'Form expired', status: 403 }, {
    heading: 'This form has expired',
    message: 'The page was open too long or came from another site. Reload it and try again.',
  });
};
