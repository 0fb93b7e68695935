import { rateLimit } from 'express-rate-limit';
import type { Request, Response, Router } from 'express';
import type { AdminStore } from '../../storage/admin-store.ts';
import type { AuditLog } from '../../storage/audit-log.ts';
import { requireCsrf } from './guard.ts';
import type { LoginCsrf } from './login-csrf.ts';
import { SIGN_IN_WINDOW_MS } from '../../auth/auth-state.ts';
import type { WindowCounters } from '../../auth/window-counters.ts';
import type { SessionStore } from './session.ts';
import { AccountThrottle, BoundedRateStore } from './throttles.ts';
import { renderPage } from './views.ts';

export interface LoginDeps {
  admins: AdminStore;
  sessions: SessionStore;
  loginCsrf: LoginCsrf;
  audit: AuditLog;
  /** The throttles' shared counts (Outpost.accountFailures, Outpost.addressAttempts). */
  accountFailures: WindowCounters;
  addressAttempts: WindowCounters;
  loginLimitPerIp?: number;
}

/** Only same-site paths under the admin prefix may be redirect targets after sign-in. */
function safeNext(base: string, next: unknown): string {
  return typeof next === 'string' && next.startsWith(`${base}/`) && !next.startsWith('//') && !next.includes('\\') ? next : `${base}/`;
}

export function loginRoutes(router: Router, deps: LoginDeps): void {
  const throttle = new AccountThrottle(deps.accountFailures);
  const loginPage = (req: Request, res: Response, status: number, data: { error?: string; username?: string; next: string }) =>
    renderPage(req, res, 'login', { title: 'Sign in', status }, { ...data, loginToken: deps.loginCsrf.issue(req, res) });

  const perIp = rateLimit({
    windowMs: SIGN_IN_WINDOW_MS,
    limit: deps.loginLimitPerIp ?? 20,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    store: new BoundedRateStore(deps.addressAttempts),
    handler: (req, res) => loginPage(req, res, 429, { error: 'Too many sign-in attempts from your address. Wait 15 minutes.', next: `${req.baseUrl}/` }),
  });

  router.get('/login', (req, res) => {
    if (req.session) return res.redirect(302, safeNext(req.baseUrl, req.query.next));
    loginPage(req, res, 200, { next: safeNext(req.baseUrl, req.query.next) });
  });

  router.post('/login', perIp, async (req, res) => {
    const username = String(req.body?.username ?? '').slice(0, 64);
    const password = String(req.body?.password ?? '');
    const next = safeNext(req.baseUrl, req.body?.next);
    const fail = (error: string, status: number) => loginPage(req, res, status, { error, username, next });
    // Checked before the password, so a cross-site form cannot even probe it.
    if (!deps.loginCsrf.verify(req, req.body?._csrf)) return fail('This sign-in form has expired. Sign in again.', 403);
    if (await throttle.locked(username)) {
      await deps.audit.record({ actor: `admin:${username}`, action: 'sign-in-locked', ip: req.ip });
      return fail('Too many failed attempts for this account. Wait 15 minutes.', 429);
    }
    const admin = await deps.admins.verify(username, password);
    if (!admin) {
      await throttle.fail(username);
      await deps.audit.record({ actor: `admin:${username}`, action: 'sign-in-failed', ip: req.ip });
      return fail('Wrong user name or password.', 401);
    }
    await throttle.clear(username);
    deps.loginCsrf.clear(req, res);
    await deps.sessions.signIn(req, res, admin.username);
    await deps.audit.record({ actor: `admin:${admin.username}`, action: 'sign-in', ip: req.ip });
    res.redirect(303, next);
  });

  // Without a session there is nothing to sign out of (and no token to check): just show sign-in.
  router.post('/logout', (req, res, next) => (req.session ? requireCsrf(req, res, next) : res.redirect(303, `${req.baseUrl}/login`)), async (req, res) => {
    const user = req.session?.username;
    await deps.sessions.signOut(req, res);
    if (user) await deps.audit.record({ actor: `admin:${user}`, action: 'sign-out', ip: req.ip });
    res.redirect(303, `${req.baseUrl}/login`);
  });
}
