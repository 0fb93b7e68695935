import { AdminStore } from '../storage/admin-store.ts';
import type { AuditLog } from '../storage/audit-log.ts';
import { openAuditLog } from '../storage/audit/open-audit-log.ts';
import type { ObjectStore } from '../storage/objects/object-store.ts';
import { TokenStore } from '../storage/token-store.ts';
import { SessionService, type SessionServiceOptions } from './session-service.ts';
import { WindowCounters } from './window-counters.ts';

/** Where the state lives that is written often, as many small objects (start-up sweeps temp files there). */
export const AUTH_STATE_FOLDERS = ['private/sessions', 'private/throttles'] as const;

/** Both sign-in throttles count over 15 minutes (the refusal pages say so). */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/**
 * Everything that decides who may do what, on one object store: a FolderObjects on the data
 * folder by default (private/tokens.json, private/admins.json as ever, plus private/sessions/ and
 * private/throttles/), or a bucket that several instances share. `auditFile`: keep appending to
 * that file (a folder deployment); without it, the audit log is one object per entry.
 */
export interface AuthState {
  tokens: TokenStore;
  admins: AdminStore;
  sessions: SessionService;
  /** Failed sign-ins per user name. */
  accountFailures: WindowCounters;
  /** Sign-in attempts per address. */
  addressAttempts: WindowCounters;
  audit: AuditLog;
}

export interface AuthStateOptions {
  auditFile?: string;
  /** How long the token list is trusted before its ETag is checked again (TOKENS.recheckMs). */
  tokenRecheckMs?: number;
  sessions?: SessionServiceOptions;
  /** Tests move time by hand; the same clock drives sessions and throttles. */
  now?: () => number;
  maxThrottleEntries?: number;
  throttleSweepEveryMs?: number;
}

export function openAuthState(objects: ObjectStore, options: AuthStateOptions = {}): AuthState {
  const now = options.now;
  const date = now ? () => new Date(now()) : undefined;
  const counters = (prefix: string) =>
    new WindowCounters(objects, prefix, {
      windowMs: SIGN_IN_WINDOW_MS,
      ...(now ? { now } : {}),
      ...(options.maxThrottleEntries !== undefined ? { maxEntries: options.maxThrottleEntries } : {}),
      ...(options.throttleSweepEveryMs !== undefined ? { sweepEveryMs: options.throttleSweepEveryMs } : {}),
    });
  return {
    tokens: new TokenStore(objects, { ...(date ? { now: date } : {}), ...(options.tokenRecheckMs !== undefined ? { recheckMs: options.tokenRecheckMs } : {}) }),
    admins: new AdminStore(objects, date),
    sessions: new SessionService(objects, { ...(now ? { now } : {}), ...options.sessions }),
    accountFailures: counters(`${AUTH_STATE_FOLDERS[1]}/accounts/`),
    addressAttempts: counters(`${AUTH_STATE_FOLDERS[1]}/addresses/`),
    audit: openAuditLog(options.auditFile ? { file: options.auditFile } : { objects }, date),
  };
}
