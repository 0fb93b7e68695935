import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuthState, type AuthState } from '../../src/auth/auth-state.ts';
import { SESSIONS, TOKENS } from '../../src/limits.ts';
import { ObjectAuditLog } from '../../src/storage/audit/object-audit-log.ts';
import { readJson, updateJson, writeJson } from '../../src/storage/objects/json-objects.ts';
import type { ObjectStore } from '../../src/storage/objects/object-store.ts';
import { errorCodeOf } from '../helpers/jami-expect.ts';
import { objectBackends } from '../helpers/object-backends.ts';

/**
 * The auth-side state on each backend (a folder; a real Ceph bucket when one is announced), with
 * two instances on one deployment as two `outpost serve` processes would have. Time is a clock the
 * test moves: "within the bound" is shown by moving it past the bound, never by sleeping.
 */
for (const backend of objectBackends('auth')) {
  describe(`auth state on ${backend.name}`, () => {
    const clock = { at: Date.UTC(2026, 10, 30, 12), now: () => clock.at };
    let a: AuthState;
    let b: AuthState;
    let objects: ObjectStore;
    const others: ObjectStore[] = [];

    beforeAll(async () => {
      const deployment = await backend.open();
      objects = deployment.objects;
      const second = deployment.attach();
      others.push(second);
      const options = { now: clock.now, sessions: { maxSessions: 5 }, throttleSweepEveryMs: 0, maxThrottleEntries: 4 };
      a = openAuthState(objects, options);
      b = openAuthState(second, options);
    });
    afterAll(async () => {
      for (const o of [objects, ...others]) await o.close();
    });

    it('loses no token when two instances create 20 at once, and each accepts the other\'s', async () => {
      const created = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).tokens.create('default', `t${i}`)));
      expect((await a.tokens.list()).map((t) => t.label).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`).sort());
      clock.at += TOKENS.recheckMs;
      for (const [i, { token }] of created.entries()) expect((await (i % 2 ? b : a).tokens.authenticate(token))?.label).toBe(`t${i}`);
      // Hashes only: no token is in the stored list.
      const stored = JSON.stringify((await readJson(objects, 'private/tokens.json'))!.value);
      for (const { token } of created) expect(stored).not.toContain(token.slice(17));
    });

    it('refuses on one instance a token revoked on the other, within TOKENS.recheckMs', async () => {
      const { token, record } = await a.tokens.create('default', 'revoke-me');
      clock.at += TOKENS.recheckMs;
      expect(await b.tokens.authenticate(token)).toBeDefined();
      await a.tokens.revoke(record.id);
      expect(await a.tokens.authenticate(token)).toBeUndefined();
      clock.at += TOKENS.recheckMs;
      expect(await b.tokens.authenticate(token)).toBeUndefined();
    });

    it('loses no admin when two instances add accounts at once; a password set on one counts on the other', async () => {
      await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).admins.create(`admin${i}`, 'a long password')));
      expect((await b.admins.list()).map((x) => x.username).sort()).toEqual(['admin0', 'admin1', 'admin2', 'admin3', 'admin4', 'admin5']);
      await a.admins.setPassword('admin3', 'another long password');
      expect(await b.admins.verify('admin3', 'another long password')).toBeDefined();
      expect(await b.admins.verify('admin3', 'a long password')).toBeUndefined();
      expect(await errorCodeOf(b.admins.create('admin0', 'a long password'))).toBe('ADMIN_EXISTS');
    });

    it('knows a session made on one instance on the other, and ends it there after a sign-out within the bound', async () => {
      const session = await a.sessions.create('admin');
      const seen = await b.sessions.find(session.id);
      expect(seen).toMatchObject({ username: 'admin', csrf: session.csrf });
      // The key is a hash: neither the cookie value nor the CSRF token is stored anywhere.
      const keys: string[] = [];
      for await (const o of objects.list('private/sessions/')) keys.push(o.key);
      expect(keys.join()).not.toContain(session.id);
      await a.sessions.end(session.id);
      expect(await a.sessions.find(session.id)).toBeUndefined();
      // b trusts its copy for at most recheckMs; past it, the sign-out is refused there too.
      clock.at += SESSIONS.recheckMs;
      expect(await b.sessions.find(session.id)).toBeUndefined();
    });

    it('writes lastSeenAt back at most once per touch interval, and expires idle sessions on any instance', async () => {
      const session = await a.sessions.create('idle');
      const etag = async () => {
        const body = (await objects.get(keyOfOnly(await sessionKeys(objects))))!;
        // Only the ETag is wanted: the unread stream would hold its file open until collected.
        body.stream.destroy();
        return body.etag;
      };
      const before = await etag();
      clock.at += 1000;
      await b.sessions.find(session.id);
      expect(await etag()).toBe(before);
      clock.at += SESSIONS.touchEveryMs;
      await b.sessions.find(session.id);
      expect(await etag()).not.toBe(before);
      clock.at += SESSIONS.idleMs + 1;
      expect(await a.sessions.find(session.id)).toBeUndefined();
      expect(await a.sessions.count()).toBe(0);
    });

    it('keeps at most maxSessions across instances, the oldest giving way', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push((await (i % 2 ? a : b).sessions.create(`u${i}`)).id);
        clock.at += 1;
      }
      expect(await a.sessions.count()).toBe(5);
      a.sessions.forgetCached();
      expect((await Promise.all(ids.map((id) => a.sessions.find(id)))).map(Boolean)).toEqual([false, false, true, true, true, true, true]);
      expect(await b.sessions.endAllOf('u4')).toBe(1);
      expect(await a.sessions.count()).toBe(4);
    });

    it('adds up sign-in failures counted by both instances at once', async () => {
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).accountFailures.add('admin')));
      expect((await a.accountFailures.get('admin'))?.count).toBe(10);
      expect((await b.accountFailures.get('admin'))?.count).toBe(10);
      await b.accountFailures.clear('admin');
      expect(await a.accountFailures.get('admin')).toBeUndefined();
      await a.addressAttempts.add('192.0.2.1');
      await b.addressAttempts.add('192.0.2.1');
      expect((await a.addressAttempts.get('192.0.2.1'))?.count).toBe(2);
      // The window ends for everyone, and a sweep leaves only slots that can still be live.
      clock.at += 2 * 15 * 60 * 1000;
      expect(await b.addressAttempts.get('192.0.2.1')).toBeUndefined();
      await b.addressAttempts.add('192.0.2.2');
      expect(await a.addressAttempts.size()).toBe(1);
    });

    it('keeps an audit entry per object, newest first across instances, without secrets', async () => {
      const logA = new ObjectAuditLog(objects, () => new Date(clock.now()));
      const logB = new ObjectAuditLog(others[0]!, () => new Date(clock.now()));
      for (let i = 0; i < 6; i++) {
        await (i % 2 ? logA : logB).record({ actor: 'cli', action: 'token-create', target: `id${i}`, revision: i });
        clock.at += 1;
      }
      // A month later: recent() walks back over month folders.
      clock.at += 31 * 24 * 3600 * 1000;
      await logA.record({ actor: 'admin:x', action: 'sign-in' });
      const recent = await logB.recent(4);
      expect(recent.map((e) => e.target ?? e.action)).toEqual(['sign-in', 'id5', 'id4', 'id3']);
      expect(await logA.revisionsFor(new Set(['id1', 'id2']))).toEqual(new Set(['id1#1', 'id2#2']));
    });

    it('makes a compare-and-swap all or nothing: a refused change and a stale write leave the object as it was', async () => {
      const key = 'private/cas-probe.json';
      const first = await writeJson(objects, key, { n: 1 }, { ifAbsent: true });
      await expect(updateJson(objects, key, () => {
        throw new Error('refused');
      })).rejects.toThrow('refused');
      await writeJson(others[0]!, key, { n: 2 }, { ifMatch: first });
      expect(await errorCodeOf(writeJson(objects, key, { n: 3 }, { ifMatch: first }))).toBe('STORAGE_PRECONDITION_FAILED');
      expect(await errorCodeOf(writeJson(objects, key, { n: 4 }, { ifAbsent: true }))).toBe('STORAGE_PRECONDITION_FAILED');
      await objects.remove(key);
      expect(await errorCodeOf(writeJson(objects, key, { n: 5 }, { ifMatch: first }))).toBe('STORAGE_PRECONDITION_FAILED');
      expect(await readJson(objects, key)).toBeUndefined();
      if (backend.name === 'folder') expect(tempFiles(objects.location)).toEqual([]);
    });
  });
}

async function sessionKeys(objects: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of objects.list('private/sessions/')) keys.push(o.key);
  return keys;
}

function keyOfOnly(keys: string[]): string {
  expect(keys).toHaveLength(1);
  return keys[0]!;
}

/** Every leftover of an atomic write or lock (".<name>.….tmp") under a folder. */
function tempFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => path.basename(p).startsWith('.') && p.endsWith('.tmp'));
}
