import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_FORM_MAX_AGE_MS, LoginCsrf } from '../../src/http/admin/login-csrf.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openAuthState } from '../../src/auth/auth-state.ts';
import { BoundedRateStore } from '../../src/http/admin/throttles.ts';
import { FolderObjects } from '../../src/storage/objects/folder-objects.ts';
import { SESSIONS } from '../../src/limits.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { startAdminServer } from '../helpers/admin-server.ts';
import type { TestServer } from '../helpers/server.ts';

const SESSION_COOKIE = 'outpost_session';
const LOGIN_COOKIE = 'outpost_login';

/** A clock the test moves by hand: nothing here waits for real time. */
function fakeClock(start = 1_700_000_000_000) {
  const clock = { at: start, now: () => clock.at };
  return clock;
}

describe('admin sessions: no state for strangers', () => {
  const clock = fakeClock();
  // Sessions and throttle counts in a folder of their own, on the test's clock, with small caps.
  const auth = openAuthState(new FolderObjects(mkdtempSync(path.join(tmpdir(), 'outpost-auth-'))), {
    now: clock.now, sessions: { maxSessions: 3 }, maxThrottleEntries: 8, throttleSweepEveryMs: 0,
  });
  const sessions = { size: () => auth.sessions.count() };
  const loginCsrf = new LoginCsrf({ secure: false, now: clock.now });
  const ipStore = new BoundedRateStore(auth.addressAttempts);
  let server: TestServer;
  let password: string;
  const client = () => new AdminClient(server.url);

  beforeAll(async () => {
    server = await startAdminServer({
      admin: { loginCsrf, loginLimitPerIp: 1000 },
      auth: { sessions: auth.sessions, accountFailures: auth.accountFailures, addressAttempts: auth.addressAttempts },
    });
    password = server.firstRun.admin!.password;
  });
  afterAll(() => server.close());

  it('creates no session and sets no session cookie for 2 000 anonymous page views', async () => {
    const paths = ['/admin/login', '/admin/', '/admin/keys', '/admin/tokens', '/admin/activity', '/admin/upload', '/admin/addons/x%40y', '/admin/nowhere'];
    const setCookies: string[] = [];
    for (let batch = 0; batch < 40; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) => fetch(`${server.url}${paths[(batch * 50 + i) % paths.length]}`, { redirect: 'manual' })),
      );
      for (const res of responses) {
        expect(res.status === 200 || res.status === 302).toBe(true);
        setCookies.push(...res.headers.getSetCookie());
        await res.arrayBuffer();
      }
    }
    expect(await sessions.size()).toBe(0);
    expect(setCookies.filter((c) => c.startsWith(`${SESSION_COOKIE}=`))).toEqual([]);
    // Only the login page hands out its (stateless) form cookie.
    expect(setCookies.length).toBe(250);
    expect(setCookies.every((c) => c.startsWith(`${LOGIN_COOKIE}=`))).toBe(true);
  });

  it('signs in on a first visit, with a scoped HttpOnly SameSite=Strict form cookie', async () => {
    const c = client();
    const res = await c.signIn('admin', password);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/');
    const formCookie = c.received.find((s) => s.startsWith(`${LOGIN_COOKIE}=`) && !/=;/.test(s))!;
    expect(formCookie).toMatch(/; Path=\/admin(;|$)/);
    expect(formCookie).toMatch(/HttpOnly/);
    expect(formCookie).toMatch(/SameSite=Strict/);
    expect(formCookie).not.toMatch(/Secure/);
    expect(c.cookies.has(SESSION_COOKIE)).toBe(true);
    expect(c.cookies.has(LOGIN_COOKIE)).toBe(false);
    expect((await c.request('/admin/')).status).toBe(200);
    await c.post('/admin/logout', { _csrf: await c.csrf('/admin/') });
    expect(await sessions.size()).toBe(0);
  });

  it('gives a new session id on every sign-in; the one held before is dead', async () => {
    const c = client();
    const token = await c.csrf();
    const nonce = c.cookies.get(LOGIN_COOKIE)!;
    expect((await c.post('/admin/login', { _csrf: token, username: 'admin', password })).status).toBe(303);
    const first = c.cookies.get(SESSION_COOKIE)!;
    // The same form submitted again (a second tab) while signed in.
    c.cookies.set(LOGIN_COOKIE, nonce);
    expect((await c.post('/admin/login', { _csrf: token, username: 'admin', password })).status).toBe(303);
    const second = c.cookies.get(SESSION_COOKIE)!;
    expect(second).not.toBe(first);
    expect(await sessions.size()).toBe(1);
    const stale = await fetch(`${server.url}/admin/`, { headers: { cookie: `${SESSION_COOKIE}=${first}` }, redirect: 'manual' });
    expect(stale.status).toBe(302);
    await c.post('/admin/logout', { _csrf: await c.csrf('/admin/') });
  });

  it('refuses a sign-in without the form token, with a forged one, or with one made for another cookie', async () => {
    const alice = client();
    const mallory = client();
    const aliceToken = await alice.csrf();
    const malloryToken = await mallory.csrf();
    expect(alice.cookies.get(LOGIN_COOKIE)).not.toBe(mallory.cookies.get(LOGIN_COOKIE));
    const attempts: [AdminClient, Record<string, string>][] = [
      [alice, {}],
      [alice, { _csrf: 'forged' }],
      [alice, { _csrf: malloryToken }],
      [alice, { _csrf: `${aliceToken.slice(0, -1)}${aliceToken.endsWith('A') ? 'B' : 'A'}` }],
      [client(), { _csrf: aliceToken }],
    ];
    for (const [c, fields] of attempts) {
      const res = await c.post('/admin/login', { ...fields, username: 'admin', password });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('This sign-in form has expired');
      expect(c.cookies.has(SESSION_COOKIE)).toBe(false);
    }
    expect(await sessions.size()).toBe(0);
  });

  it('refuses a sign-in form older than its lifetime, and serves a fresh one', async () => {
    const c = client();
    const token = await c.csrf();
    clock.at += LOGIN_FORM_MAX_AGE_MS + 1;
    const res = await c.post('/admin/login', { _csrf: token, username: 'admin', password });
    expect(res.status).toBe(403);
    // The refusal page carries a new form (and cookie) that works.
    const fresh = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
    expect(fresh).not.toBe(token);
    expect((await c.post('/admin/login', { _csrf: fresh, username: 'admin', password })).status).toBe(303);
    await c.post('/admin/logout', { _csrf: await c.csrf('/admin/') });
  });

  it('ends idle and too-old sessions, and sweeps the ones nobody comes back for', async () => {
    const idle = client();
    const gone = client();
    const busy = client();
    for (const c of [idle, gone, busy]) expect((await c.signIn('admin', password)).status).toBe(303);
    expect(await sessions.size()).toBe(3);

    // busy comes back every quarter of the idle limit; idle and gone do not.
    for (let step = 0; step < 5; step++) {
      clock.at += SESSIONS.idleMs / 4;
      expect((await busy.request('/admin/')).status).toBe(200);
    }
    // Nobody used idle's or gone's cookie: the sweep that busy's requests ran dropped both.
    expect(await sessions.size()).toBe(1);
    const res = await idle.request('/admin/');
    expect(res.status).toBe(302);
    expect(idle.cookies.has(SESSION_COOKIE)).toBe(false);

    // Activity does not extend a session past its absolute lifetime.
    for (let t = 0; t < SESSIONS.absoluteMs; t += SESSIONS.idleMs / 2) {
      clock.at += SESSIONS.idleMs / 2;
      await busy.request('/admin/');
    }
    expect((await busy.request('/admin/')).status).toBe(302);
    expect(await sessions.size()).toBe(0);
  });

  it('keeps at most maxSessions sessions, dropping the oldest sign-ins', async () => {
    const clients = Array.from({ length: 5 }, client);
    // Oldest by sign-in time (stored, so any instance can tell): the clock moves between sign-ins.
    for (const c of clients) {
      expect((await c.signIn('admin', password)).status).toBe(303);
      clock.at += 1;
    }
    expect(await sessions.size()).toBe(3);
    const statuses = [];
    for (const c of clients) statuses.push((await c.request('/admin/')).status);
    expect(statuses).toEqual([302, 302, 200, 200, 200]);
  });

  it('remembers a bounded number of failing user names and addresses', async () => {
    for (let i = 0; i < 20; i++) {
      const c = client();
      const token = await c.csrf();
      const res = await c.request('/admin/login', {
        method: 'POST',
        headers: { 'x-forwarded-for': `192.0.2.${i + 1}` },
        body: new URLSearchParams({ _csrf: token, username: `nobody-${i}`, password: 'wrong password' }),
      });
      expect(res.status).toBe(401);
    }
    expect(await auth.accountFailures.size()).toBe(8);
    expect(await ipStore.size()).toBe(8);
    // Room is made before a new entry starts, so the newest is kept: the last address has spent
    // one of its attempts. (Which older ones of the same window go is not ordered any more.)
    expect((await ipStore.get('192.0.2.20'))?.totalHits).toBe(1);
  });
});
