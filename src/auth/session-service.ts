import { createHash, randomBytes } from 'node:crypto';
import { SESSIONS } from '../limits.ts';
import { readJson, writeJson } from '../storage/objects/json-objects.ts';
import { isPreconditionFailed } from '../storage/objects/object-store.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';

/**
 * Admin sessions shared by every instance on one store: private/sessions/<sha256(id)>.json. The
 * id itself (the cookie) is never stored, nor is the CSRF token, which is derived from the id; a
 * copy of the store therefore holds nothing that signs anyone in. Expiry is checked on every use;
 * lastSeenAt is written back at most every `touchEveryMs`; sign-out and expiry delete the object.
 */
export interface StoredSession {
  username: string;
  createdAt: number;
  lastSeenAt: number;
}

/** What a request sees: the stored fields, the id it came with and its CSRF token. */
export interface Session extends StoredSession {
  readonly id: string;
  readonly csrf: string;
}

export interface SessionServiceOptions {
  idleMs?: number;
  absoluteMs?: number;
  maxSessions?: number;
  /** At most this often, a lookup pays for one pass over the sessions to drop expired ones. */
  sweepEveryMs?: number;
  touchEveryMs?: number;
  /** How long a session read from the store is trusted before reading it again. */
  recheckMs?: number;
  now?: () => number;
}

export const SESSIONS_PREFIX = 'private/sessions/';
const ID = /^[A-Za-z0-9_-]{43}$/;

const digest = (text: string) => createHash('sha256').update(text).digest();
const keyOf = (id: string) => `${SESSIONS_PREFIX}${digest(id).toString('hex')}.json`;
/** Domain-separated from the key, so the stored key reveals neither the id nor the CSRF token. */
const csrfOf = (id: string) => digest(`outpost-csrf\0${id}`).toString('base64url');

export class SessionService {
  readonly idleMs: number;
  readonly absoluteMs: number;
  private readonly maxSessions: number;
  private readonly sweepEveryMs: number;
  private readonly touchEveryMs: number;
  private readonly recheckMs: number;
  private readonly now: () => number;
  private lastSweepAt: number;
  private readonly cache = new Map<string, { stored: StoredSession; etag: string; checkedAt: number }>();

  constructor(
    private readonly objects: ObjectStore,
    options: SessionServiceOptions = {},
  ) {
    this.idleMs = options.idleMs ?? SESSIONS.idleMs;
    this.absoluteMs = options.absoluteMs ?? SESSIONS.absoluteMs;
    this.maxSessions = options.maxSessions ?? SESSIONS.maxSessions;
    this.sweepEveryMs = options.sweepEveryMs ?? SESSIONS.sweepEveryMs;
    // A short idle limit (tests) still sees several touches before it expires a session in use.
    this.touchEveryMs = options.touchEveryMs ?? Math.min(SESSIONS.touchEveryMs, Math.floor(this.idleMs / 4));
    this.recheckMs = options.recheckMs ?? SESSIONS.recheckMs;
    this.now = options.now ?? Date.now;
    this.lastSweepAt = this.now();
  }

  private expired(session: StoredSession, at: number): boolean {
    return at - session.lastSeenAt > this.idleMs || at - session.createdAt > this.absoluteMs;
  }

  private async storedKeys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of this.objects.list(SESSIONS_PREFIX)) if (object.key.endsWith('.json')) keys.push(object.key);
    return keys;
  }

  /** Every stored session (expired ones included) with its key. */
  private async all(): Promise<{ key: string; stored: StoredSession }[]> {
    const found = await Promise.all((await this.storedKeys()).map(async (key) => ({ key, stored: (await readJson<StoredSession>(this.objects, key).catch(() => undefined))?.value })));
    return found.filter((s): s is { key: string; stored: StoredSession } => s.stored !== undefined);
  }

  private async drop(key: string): Promise<void> {
    this.cache.delete(key);
    await this.objects.remove(key);
  }

  /** Stored sessions, live or not yet swept. */
  async count(): Promise<number> {
    return (await this.storedKeys()).length;
  }

  /** Deletes every expired session. Returns how many were deleted. */
  async sweep(): Promise<number> {
    const at = this.now();
    this.lastSweepAt = at;
    const expired = (await this.all()).filter((s) => this.expired(s.stored, at));
    await Promise.all(expired.map((s) => this.drop(s.key)));
    return expired.length;
  }

  // On access instead of a timer: nothing to stop, and one pass per sweepEveryMs per instance.
  async maybeSweep(): Promise<void> {
    if (this.now() - this.lastSweepAt >= this.sweepEveryMs) await this.sweep();
  }

  /** A new session for `username`; when maxSessions are stored, expired ones go, then the oldest. */
  async create(username: string): Promise<Session> {
    await this.maybeSweep();
    // Two instances signing in at once may both pass this check: the cap can be exceeded by the
    // sign-ins in flight, and the next sign-in brings it back.
    if ((await this.count()) >= this.maxSessions) {
      await this.sweep();
      const live = (await this.all()).sort((a, b) => a.stored.createdAt - b.stored.createdAt);
      for (const s of live.slice(0, Math.max(0, live.length - this.maxSessions + 1))) await this.drop(s.key);
    }
    const at = this.now();
    const id = randomBytes(32).toString('base64url');
    const stored: StoredSession = { username, createdAt: at, lastSeenAt: at };
    const etag = await writeJson(this.objects, keyOf(id), stored, { ifAbsent: true });
    this.cache.set(keyOf(id), { stored, etag, checkedAt: at });
    return { ...stored, id, csrf: csrfOf(id) };
  }

  /**
   * The live session for a cookie value, or undefined. A cached copy is trusted for recheckMs, so a
   * sign-out on another instance is refused here within that bound.
   */
  async find(id: unknown): Promise<Session | undefined> {
    if (typeof id !== 'string' || !ID.test(id)) return undefined;
    const key = keyOf(id);
    const at = this.now();
    let cached = this.cache.get(key);
    if (!cached || at - cached.checkedAt >= this.recheckMs) {
      const read = await readJson<StoredSession>(this.objects, key);
      cached = read && { stored: read.value, etag: read.etag, checkedAt: at };
      if (cached) this.cache.set(key, cached);
      else this.cache.delete(key);
    }
    if (!cached) return undefined;
    if (this.expired(cached.stored, at)) {
      await this.drop(key);
      return undefined;
    }
    if (at - cached.stored.lastSeenAt >= this.touchEveryMs) await this.touch(key, cached, at);
    return { ...cached.stored, id, csrf: csrfOf(id) };
  }

  /** Conditional, so a touch never brings back a session signed out elsewhere meanwhile. */
  private async touch(key: string, cached: { stored: StoredSession; etag: string; checkedAt: number }, at: number): Promise<void> {
    const stored = { ...cached.stored, lastSeenAt: at };
    try {
      this.cache.set(key, { stored, etag: await writeJson(this.objects, key, stored, { ifMatch: cached.etag }), checkedAt: at });
    } catch (err) {
      // Another instance touched it or signed it out: the next lookup reads what is there.
      if (!isPreconditionFailed(err)) throw err;
      this.cache.delete(key);
    }
  }

  async end(id: string): Promise<void> {
    if (ID.test(id)) await this.drop(keyOf(id));
  }

  /** Signs `username` out everywhere (a changed password). Returns how many sessions ended. */
  async endAllOf(username: string): Promise<number> {
    const theirs = (await this.all()).filter((s) => s.stored.username === username);
    await Promise.all(theirs.map((s) => this.drop(s.key)));
    return theirs.length;
  }

  /** Forgets cached copies, so the next lookup of each reads the store (tests, and the CLI). */
  forgetCached(): void {
    this.cache.clear();
  }
}
