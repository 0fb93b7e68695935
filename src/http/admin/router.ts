import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { Router, type ErrorRequestHandler } from 'express';
import helmet from 'helmet';
import type { Outpost } from '../../app/outpost.ts';
import { activityPage } from './activity-page.ts';
import { addonPages } from './addon-pages.ts';
import { catalogPages } from './catalog-pages.ts';
import { chromiumPages } from './chromium-pages.ts';
import { jamiPages } from './jami-pages.ts';
import { vpnPages } from './vpn-pages.ts';
import { collectionPages } from './collection-pages.ts';
import { feedPages } from './feed-pages.ts';
import { requireAdmin } from './guard.ts';
import { keyPages } from './key-pages.ts';
import { LoginCsrf } from './login-csrf.ts';
import { loginRoutes } from './login.ts';
import { SessionStore } from './session.ts';
import { userError } from './user-error.ts';
import { renderPage, VIEWS_DIR } from './views.ts';

export interface AdminOptions {
  loginLimitPerIp?: number;
  /** Tests inject this (with a clock) to look inside; by default the router builds its own. */
  loginCsrf?: LoginCsrf;
}

/** The admin web interface, mounted at /admin. */
export function adminRouter(outpost: Outpost, options: AdminOptions = {}): Router {
  const router = Router();
  const secure = outpost.config.publicUrl.startsWith('https:');
  // Sessions and throttle counts live in the deployment's store (Outpost), shared by all instances.
  const sessions = new SessionStore({ secure, service: outpost.sessions });
  const loginCsrf = options.loginCsrf ?? new LoginCsrf({ secure });

  router.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
          // helmet adds upgrade-insecure-requests by default: over plain http on any host name but
          // localhost it sends the stylesheet, the script and every form to https, where nothing
          // answers. Only a deployment whose public URL is https asks for the upgrade.
          upgradeInsecureRequests: secure ? [] : null,
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
    }),
  );
  router.use('/assets', express.static(path.join(VIEWS_DIR, 'assets'), { index: false, dotfiles: 'deny', maxAge: '1h' }));
  router.use(cookieParser());
  router.use(sessions.middleware());
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 }));

  loginRoutes(router, {
    ...options, admins: outpost.admins, sessions, loginCsrf, audit: outpost.audit, accountFailures: outpost.accountFailures, addressAttempts: outpost.addressAttempts,
  });
  router.use(requireAdmin);
  const { uploadPage } = catalogPages(router, outpost);
  addonPages(router, outpost);
  chromiumPages(router, outpost);
  jamiPages(router, outpost);
  vpnPages(router, outpost);
  collectionPages(router, outpost);
  feedPages(router, outpost);
  keyPages(router, outpost);
  activityPage(router, outpost.audit);
  router.use((req, res) => {
    renderPage(req, res, 'error', { title: 'Not found', status: 404 }, { heading: 'Page not found', message: `There is no page at ${req.originalUrl}.` });
  });

  // Errors a person can fix (an upload refused before it reached the route, a missing key…)
  // are shown as pages; the rest goes to the app's error handler (logged, generic 500).
  const pageErrors: ErrorRequestHandler = async (err, req, res, next) => {
    let error;
    try {
      error = userError(err);
    } catch {
      return next(err);
    }
    if (req.path === '/upload' && req.method === 'POST') return uploadPage(req, res, { error }, error.status);
    renderPage(req, res, 'error', { title: 'Error', status: error.status }, { heading: 'That did not work', message: error.message });
  };
  router.use(pageErrors);
  return router;
}
