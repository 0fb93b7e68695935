import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Session, SessionService } from '../../auth/session-service.ts';

/**
 * Admin sessions over HTTP: the cookie in, the session service (auth/session-service.ts) behind.
 * Sessions live in the deployment's store, so whichever instance answers knows them, and a restart
 * signs nobody out. A session exists only after a successful sign-in, so a stranger costs nothing
 * here (the sign-in form's CSRF check is stateless, see login-csrf.ts).
 */
export interface FlashMessage {
  kind: 'ok' | 'error';
  text: string;
}

export interface RequestSession extends Session {
  /** One-shot message for the next page (after a redirect). */
  flash?: FlashMessage;
}

export interface SessionOptions {
  cookieName?: string;
  secure: boolean;
  service: SessionService;
}

declare module 'express-serve-static-core' {
  interface Request {
    session?: RequestSession;
  }
}

const FLASH_MAX_TEXT = 500;

export class SessionStore {
  readonly cookieName: string;
  readonly flashCookieName: string;
  readonly service: SessionService;

  constructor(private readonly options: SessionOptions) {
    this.cookieName = options.cookieName ?? (options.secure ? '__Host-outpost_session' : 'outpost_session');
    this.flashCookieName = options.secure ? '__Host-outpost_flash' : 'outpost_flash';
    this.service = options.service;
  }

  private cookieOptions() {
    // `__Host-` (https) requires Path=/ and no Domain; the session is only read under the admin prefix anyway.
    return { httpOnly: true, sameSite: 'lax' as const, secure: this.options.secure, path: '/' };
  }

  /** Finds the visitor's session, never creates one. */
  middleware(): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      await this.service.maybeSweep();
      const id: unknown = req.cookies?.[this.cookieName];
      const session: RequestSession | undefined = await this.service.find(id);
      // A cookie naming no live session is cleared, so the browser stops sending it.
      if (id !== undefined && !session) res.clearCookie(this.cookieName, this.cookieOptions());
      if (session) this.carryFlash(req, res, session);
      req.session = session;
      next();
    };
  }

  /**
   * The flash message travels in a cookie bound to the session by an HMAC keyed with the session
   * id, not in the stored session: the redirect after an action may land on another instance, and
   * the message is only for this browser. It is read once and cleared; a redirect (the only way a
   * message outlives its response) writes it.
   */
  private carryFlash(req: Request, res: Response, session: RequestSession): void {
    const raw: unknown = req.cookies?.[this.flashCookieName];
    if (typeof raw === 'string') {
      const flash = this.openFlash(session.id, raw);
      if (flash) session.flash = flash;
      res.clearCookie(this.flashCookieName, this.cookieOptions());
    }
    const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
    res.redirect = ((...args: unknown[]) => {
      const flash = req.session?.flash;
      if (flash) res.cookie(this.flashCookieName, this.sealFlash(session.id, flash), { ...this.cookieOptions(), maxAge: 60_000 });
      redirect(...args);
    }) as Response['redirect'];
  }

  private sealFlash(id: string, flash: FlashMessage): string {
    const body = Buffer.from(JSON.stringify({ kind: flash.kind, text: flash.text.slice(0, FLASH_MAX_TEXT) })).toString('base64url');
    return `${body}.${createHmac('sha256', id).update(body).digest('base64url')}`;
  }

  private openFlash(id: string, sealed: string): FlashMessage | undefined {
    const [body = '', mac = ''] = sealed.split('.');
    const expected = Buffer.from(createHmac('sha256', id).update(body).digest('base64url'));
    if (expected.length !== mac.length || !timingSafeEqual(expected, Buffer.from(mac))) return undefined;
    try {
      const { kind, text } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as FlashMessage;
      return (kind === 'ok' || kind === 'error') && typeof text === 'string' ? { kind, text } : undefined;
    } catch {
      return undefined;
    }
  }

  /** A new id (and CSRF token) on every sign-in, so a session id planted before sign-in is useless. */
  async signIn(req: Request, res: Response, username: string): Promise<Session> {
    if (req.session) await this.service.end(req.session.id);
    const session = await this.service.create(username);
    res.cookie(this.cookieName, session.id, { ...this.cookieOptions(), maxAge: this.service.absoluteMs });
    req.session = session;
    return session;
  }

  async signOut(req: Request, res: Response): Promise<void> {
    if (req.session) await this.service.end(req.session.id);
    res.clearCookie(this.cookieName, this.cookieOptions());
    req.session = undefined;
  }
}

export function csrfMatches(session: Session | undefined, token: unknown): boolean {
  if (!session || typeof token !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
