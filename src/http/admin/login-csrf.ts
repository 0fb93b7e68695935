import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/** How long a sign-in form stays usable; an older one is refused and shown again with a new token. */
export const LOGIN_FORM_MAX_AGE_MS = 60 * 60 * 1000;

export interface LoginCsrfOptions {
  secure: boolean;
  /** The HMAC key; random per process by default, so there is nothing to configure, store or leak. */
  secret?: Buffer;
  maxAgeMs?: number;
  now?: () => number;
}

// `<issued-at in base 36>.<24 random base64url chars>`; anything else is not ours.
const NONCE = /^([0-9a-z]{1,11})\.[A-Za-z0-9_-]{24}$/;

/**
 * CSRF protection for the sign-in form that keeps no state on the server (a signed double-submit
 * token): a random nonce goes in a short-lived cookie and the form carries HMAC(secret, nonce). A
 * cross-site page can neither read the cookie nor compute the HMAC; a stranger costs no memory.
 * Once signed in, the session's own CSRF token takes over (guard.ts).
 */
export class LoginCsrf {
  readonly cookieName: string;
  private readonly secret: Buffer;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: LoginCsrfOptions) {
    // `__Host-` would force Path=/; `__Secure-` still proves the cookie was set over https.
    this.cookieName = options.secure ? '__Secure-outpost_login' : 'outpost_login';
    this.secret = options.secret ?? randomBytes(32);
    this.maxAgeMs = options.maxAgeMs ?? LOGIN_FORM_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The token for a sign-in form. A young nonce from the visitor's cookie is reused, so two open
   * sign-in tabs both work; otherwise a new one is set (which also covers the very first visit).
   */
  issue(req: Request, res: Response): string {
    let nonce: unknown = req.cookies?.[this.cookieName];
    const age = this.age(nonce);
    if (typeof nonce !== 'string' || age === undefined || age > this.maxAgeMs / 2) {
      nonce = `${this.now().toString(36)}.${randomBytes(18).toString('base64url')}`;
      res.cookie(this.cookieName, nonce, { ...this.cookieOptions(req), maxAge: this.maxAgeMs });
    }
    return this.tokenFor(nonce as string);
  }

  /** True when the form's token is the HMAC of the nonce in the visitor's (unexpired) cookie. */
  verify(req: Request, token: unknown): boolean {
    const nonce: unknown = req.cookies?.[this.cookieName];
    const age = this.age(nonce);
    if (typeof nonce !== 'string' || age === undefined || age > this.maxAgeMs || typeof token !== 'string') return false;
    const expected = Buffer.from(this.tokenFor(nonce));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** After sign-in the nonce has served its purpose. */
  clear(req: Request, res: Response): void {
    if (req.cookies?.[this.cookieName] !== undefined) res.clearCookie(this.cookieName, this.cookieOptions(req));
  }

  private cookieOptions(req: Request) {
    // Scoped to the admin prefix: the nonce is only ever needed by POST <prefix>/login.
    return { httpOnly: true, sameSite: 'strict' as const, secure: this.options.secure, path: req.baseUrl || '/' };
  }

  // The issue time is inside the HMAC'd nonce, so the expiry holds even if a cookie outlives its Max-Age.
  private age(nonce: unknown): number | undefined {
    if (typeof nonce !== 'string') return undefined;
    const m = NONCE.exec(nonce);
    if (!m) return undefined;
    const age = this.now() - parseInt(m[1]!, 36);
    return age >= 0 ? age : undefined;
  }

  private tokenFor(nonce: string): string {
    return createHmac('sha256', this.secret).update(`outpost login form\0${nonce}`).digest('base64url');
  }
}
