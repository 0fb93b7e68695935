import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SESSIONS } from '../../limits.ts';

/**
 * Server-side sessions, kept in memory: a restart signs everyone out, which is acceptable for an
 * admin console and means no session secret or session file to protect. A session exists only
 * after a successful sign-in, so a stranger costs no memory here (the sign-in form's CSRF check is
 * stateless, see login-csrf.ts).
 */
export interface Session {
  id: string;
  csrf: string;
  username: string;
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
  /** At most this often, a request pays for one pass over the sessions to drop expired ones. */
  sweepEveryMs?: number;
  now?: () => number;
}

declare module 'express-serve-static-core' {
  interface Request {
    session?: Session;
  }
}

export class SessionStore {
  // Insertion order is creation order: the first entry is the oldest session.
  private readonly sessions = new Map<string, Session>();
  readonly cookieName: string;
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly maxSessions: number;
  private readonly sweepEveryMs: number;
  private readonly now: () => number;
  private lastSweepAt: number;

  constructor(private readonly options: SessionOptions) {
    this.cookieName = options.cookieName ?? (options.secure ? '__Host-outpost_session' : 'outpost_session');
    this.idleMs = options.idleMs ?? SESSIONS.idleMs;
    this.absoluteMs = options.absoluteMs ?? SESSIONS.absoluteMs;
    this.maxSessions = options.maxSessions ?? SESSIONS.maxSessions;
    this.sweepEveryMs = options.sweepEveryMs ?? SESSIONS.sweepEveryMs;
    this.now = options.now ?? Date.now;
    this.lastSweepAt = this.now();
  }

  /** Live and not yet swept sessions. */
  get size(): number {
    return this.sessions.size;
  }

  private expired(session: Session, at: number): boolean {
    return at - session.lastSeenAt > this.idleMs || at - session.createdAt > this.absoluteMs;
  }

  /** Drops every expired session; at most maxSessions steps. Returns how many were dropped. */
  sweep(): number {
    const at = this.now();
    this.lastSweepAt = at;
    let dropped = 0;
    for (const [id, session] of this.sessions) {
      if (!this.expired(session, at)) continue;
      this.sessions.delete(id);
      dropped += 1;
    }
    return dropped;
  }

  // Sweeping on access instead of on a timer: nothing to stop, and the cost (one bounded pass per
  // sweepEveryMs) is amortised over the requests that trigger it.
  private maybeSweep(): void {
    if (this.now() - this.lastSweepAt >= this.sweepEveryMs) this.sweep();
  }

  private lookup(id: unknown): Session | undefined {
    if (typeof id !== 'string' || !id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const at = this.now();
    if (this.expired(session, at)) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = at;
    return session;
  }

  private cookieOptions() {
    // `__Host-` (https) requires Path=/ and no Domain; the session is only read under the admin prefix anyway.
    return { httpOnly: true, sameSite: 'lax' as const, secure: this.options.secure, path: '/' };
  }

  /** Finds the visitor's session, never creates one. */
  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      this.maybeSweep();
      const id: unknown = req.cookies?.[this.cookieName];
      const session = this.lookup(id);
      // A cookie naming no live session is cleared, so the browser stops sending it.
      if (id !== undefined && !session) res.clearCookie(this.cookieName, this.cookieOptions());
      req.session = session;
      next();
    };
  }

  /** A new id (and CSRF token) on every sign-in, so a session id planted before sign-in is useless. */
  signIn(req: Request, res: Response, username: string): Session {
    if (req.session) this.sessions.delete(req.session.id);
    this.maybeSweep();
    if (this.sessions.size >= this.maxSessions) this.sweep();
    // Still full of live sessions: the oldest sign-ins give way.
    while (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    const at = this.now();
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      username,
      createdAt: at,
      lastSeenAt: at,
    };
    this.sessions.set(session.id, session);
    res.cookie(this.cookieName, session.id, { ...this.cookieOptions(), maxAge: this.absoluteMs });
    req.session = session;
    return session;
  }

  signOut(req: Request, res: Response): void {
    if (req.session) this.sessions.delete(req.session.id);
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
