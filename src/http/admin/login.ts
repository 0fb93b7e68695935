import { rateLimit } from 'express-rate-limit';
import type { Router } from 'express';
import type { AdminStore } from '../../storage/admin-store.ts';
import type { AuditLog } from '../../storage/audit-log.ts';
import { requireCsrf } from './guard.ts';
import type { SessionStore } from './session.ts';
import { renderPage } from './views.ts';

/** Locks an account for a while after repeated failures, whatever address they come from. */
class AccountThrottle {
  private readonly failures = new Map<string, { count: number; firstAt: number }>();
  constructor(private readonly max = 5, private readonly windowMs = 15 * 60 * 1000, private readonly now = Date.now) {}

  locked(user: string): boolean {
    const f = this.failures.get(user);
    if (!f) return false;
    if (this.now() - f.firstAt > this.windowMs) {
      this.failures.delete(user);
      return false;
    }
    return f.count >= this.max;
  }

  fail(user: string): void {
    const f = this.failures.get(user);
    if (!f || this.now() - f.firstAt > this.windowMs) this.failures.set(user, { count: 1, firstAt: this.now() });
    else f.count += 1;
  }

  clear(user: string): void {
    this.failures.delete(user);
  }
}

/** Only same-site paths under the admin prefix may be redirect targets after sign-in. */
function safeNext(base: string, next: unknown): string {
  return typeof next === 'string' && next.startsWith(`${base}/`) && !next.startsWith('//') && !next.includes('\\') ? next : `${base}/`;
}

export function loginRoutes(router: Router, deps: { admins: AdminStore; sessions: SessionStore; audit: AuditLog; loginLimitPerIp?: number }): void {
  const throttle = new AccountThrottle();
  const perIp = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: deps.loginLimitPerIp ?? 20,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    handler: (req, res) =>
      renderPage(req, res, 'login', { title: 'Sign in', status: 429 }, { error: 'Too many sign-in attempts from your address. Wait 15 minutes.', next: '' }),
  });

  router.get('/login', (req, res) => {
    if (req.session?.username) return res.redirect(302, safeNext(req.baseUrl, req.query.next));
    renderPage(req, res, 'login', { title: 'Sign in' }, { next: safeNext(req.baseUrl, req.query.next) });
  });

  router.post('/login', perIp, requireCsrf, async (req, res) => {
    const username = String(req.body?.username ?? '').slice(0, 64);
    const password = String(req.body?.password ?? '');
    const next = safeNext(req.baseUrl, req.body?.next);
    const fail = (error: string, status: number) => renderPage(req, res, 'login', { title: 'Sign in', status }, { error, username, next });
    if (throttle.locked(username)) {
      await deps.audit.record({ actor: `admin:${username}`, action: 'sign-in-locked', ip: req.ip });
      return fail('Too many failed attempts for this account. Wait 15 minutes.', 429);
    }
    const admin = await deps.admins.verify(username, password);
    if (!admin) {
      throttle.fail(username);
      await deps.audit.record({ actor: `admin:${username}`, action: 'sign-in-failed', ip: req.ip });
      return fail('Wrong user name or password.', 401);
    }
    throttle.clear(username);
    deps.sessions.signIn(req, res, admin.username);
    await deps.audit.record({ actor: `admin:${admin.username}`, action: 'sign-in', ip: req.ip });
    res.redirect(303, next);
  });

  router.post('/logout', requireCsrf, async (req, res) => {
    const user = req.session?.username;
    deps.sessions.signOut(req, res);
    if (user) await deps.audit.record({ actor: `admin:${user}`, action: 'sign-out', ip: req.ip });
    res.redirect(303, `${req.baseUrl}/login`);
  });
}
