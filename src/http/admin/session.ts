import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Server-side sessions, kept in memory: a restart signs everyone out, which is acceptable for an
 * admin console and means no session secret or session file to protect. Every visitor gets a
 * session (anonymous until sign-in) so the sign-in form itself carries a CSRF token.
 */
export interface Session {
  id: string;
  csrf: string;
  username?: string;
  createdAt: number;
  lastSeenAt: number;
  /** One-shot message for the next page (after a redirect). */
  flash?: { kind: 'ok' | 'error'; text: string };
  /** A token just created, shown once on the next tokens page. */
  newToken?: { token: string; keyName: string };
}

export interface SessionOptions {
  cookieName?: string;
  secure: boolean;
  idleMs?: number;
  absoluteMs?: number;
  maxSessions?: number;
  now?: () => number;
}

declare module 'express-serve-static-core' {
  interface Request {
    session?: Session;
  }
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  readonly cookieName: string;
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(private readonly options: SessionOptions) {
    this.cookieName = options.cookieName ?? (options.secure ? '__Host-outpost_session' : 'outpost_session');
    this.idleMs = options.idleMs ?? 2 * 60 * 60 * 1000;
    this.absoluteMs = options.absoluteMs ?? 12 * 60 * 60 * 1000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  private fresh(): Session {
    // Bound memory: drop the oldest sessions first (Map keeps insertion order).
    while (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    const at = this.now();
    const session: Session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url'), createdAt: at, lastSeenAt: at };
    this.sessions.set(session.id, session);
    return session;
  }

  private lookup(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const at = this.now();
    if (at - session.lastSeenAt > this.idleMs || at - session.createdAt > this.absoluteMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = at;
    return session;
  }

  private setCookie(res: Response, session: Session): void {
    res.cookie(this.cookieName, session.id, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.options.secure,
      path: '/',
      maxAge: this.absoluteMs,
    });
  }

  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      let session = this.lookup(req.cookies?.[this.cookieName]);
      if (!session) {
        session = this.fresh();
        this.setCookie(res, session);
      }
      req.session = session;
      next();
    };
  }

  /** A new id (and CSRF token) on sign-in, so a session id planted before sign-in is useless. */
  signIn(req: Request, res: Response, username: string): Session {
    if (req.session) this.sessions.delete(req.session.id);
    const session = this.fresh();
    session.username = username;
    this.setCookie(res, session);
    req.session = session;
    return session;
  }

  signOut(req: Request, res: Response): void {
    if (req.session) this.sessions.delete(req.session.id);
    res.clearCookie(this.cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.options.secure });
    req.session = undefined;
  }
}

export function csrfMatches(session: Session | undefined, token: unknown): boolean {
  if (!session || typeof token !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
