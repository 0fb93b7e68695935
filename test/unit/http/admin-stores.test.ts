import { describe, expect, it } from 'vitest';
import { LoginCsrf } from '../../../src/http/admin/login-csrf.ts';
import { SessionService } from '../../../src/auth/session-service.ts';
import { WindowCounters } from '../../../src/auth/window-counters.ts';
import { SessionStore, type RequestSession } from '../../../src/http/admin/session.ts';
import { AccountThrottle, BoundedRateStore } from '../../../src/http/admin/throttles.ts';
import { tempFolderObjects } from '../../helpers/object-backends.ts';
import { redactHeaders, redactUrl } from '../../../src/http/log-redaction.ts';

/** Just enough of Express's req/res for the stores: cookies in, cookies out. */
function fakeRes() {
  const set: { name: string; value: string; options: Record<string, unknown> }[] = [];
  return {
    set,
    cookie: (name: string, value: string, options: Record<string, unknown>) => set.push({ name, value, options }),
    clearCookie: (name: string, options: Record<string, unknown>) => set.push({ name, value: '', options }),
    redirect: () => undefined,
  };
}

/** Sessions and counters on a scratch data folder; the clock is the test's. */
function services(now: () => number, options: { idleMs?: number; absoluteMs?: number; sweepEveryMs?: number; maxSessions?: number } = {}) {
  const service = new SessionService(tempFolderObjects(), { ...options, now });
  return { service, store: new SessionStore({ secure: false, service }) };
}

describe('SessionStore', () => {
  it('sweeps expired sessions at most once per sweep interval, from any request', async () => {
    let now = 0;
    const { service, store } = services(() => now, { idleMs: 100, absoluteMs: 1000, sweepEveryMs: 500 });
    for (let i = 0; i < 4; i++) await store.signIn({} as never, fakeRes() as never, `u${i}`);
    const visit = () => store.middleware()({ cookies: {} } as never, fakeRes() as never, () => undefined);
    now = 499;
    await visit();
    expect(await service.count()).toBe(4);
    now = 500;
    await visit();
    expect(await service.count()).toBe(0);
    expect(await service.sweep()).toBe(0);
  });

  it('holds at most maxSessions, dropping the oldest, and expired ones first', async () => {
    let now = 0;
    const { service, store } = services(() => now, { idleMs: 100, maxSessions: 3, sweepEveryMs: 1e9 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await store.signIn({} as never, fakeRes() as never, `u${i}`)).id);
      now += 1;
    }
    expect(await service.count()).toBe(3);
    const alive = async (id: string) => {
      const req: { cookies: Record<string, string>; session?: unknown } = { cookies: { outpost_session: id } };
      await store.middleware()(req as never, fakeRes() as never, () => undefined);
      return req.session !== undefined;
    };
    const all = async (list: string[]) => Promise.all(list.map(alive));
    expect(await all(ids)).toEqual([false, false, true, true, true]);
    // ids[2] goes idle while ids[3] and ids[4] are used: a new sign-in replaces the expired one.
    now = 90;
    await alive(ids[3]!);
    await alive(ids[4]!);
    now = 150;
    await store.signIn({} as never, fakeRes() as never, 'late');
    expect(await all([ids[2]!, ids[3]!, ids[4]!])).toEqual([false, true, true]);
  });

  it('carries a flash message to the next page in a cookie only this session can have made', async () => {
    const { store } = services(() => 0);
    const session = await store.signIn({} as never, fakeRes() as never, 'admin');
    const res = fakeRes();
    const req: { cookies: Record<string, string>; session?: RequestSession } = { cookies: { outpost_session: session.id } };
    await store.middleware()(req as never, res as never, () => undefined);
    req.session!.flash = { kind: 'ok', text: 'Saved.' };
    res.redirect();
    const sealed = res.set.find((c) => c.name === 'outpost_flash')!.value;
    const next = async (cookies: Record<string, string>) => {
      const r: typeof req = { cookies: { outpost_session: session.id, ...cookies } };
      await store.middleware()(r as never, fakeRes() as never, () => undefined);
      return r.session?.flash;
    };
    expect(await next({ outpost_flash: sealed })).toEqual({ kind: 'ok', text: 'Saved.' });
    const forged = `${Buffer.from(JSON.stringify({ kind: 'ok', text: 'Forged' })).toString('base64url')}.${sealed.split('.')[1]}`;
    expect(await next({ outpost_flash: forged })).toBeUndefined();
  });
});

describe('AccountThrottle', () => {
  const counters = (now: () => number, maxEntries = 100) => new WindowCounters(tempFolderObjects(), 'private/throttles/accounts/', { windowMs: 100, maxEntries, sweepEveryMs: 0, now });

  it('locks after max failures within the window, and forgets after it', async () => {
    let now = 0;
    const failures = counters(() => now);
    const throttle = new AccountThrottle(failures, { max: 3 });
    for (let i = 0; i < 3; i++) await throttle.fail('admin');
    expect(await throttle.locked('admin')).toBe(true);
    now = 101;
    expect(await throttle.locked('admin')).toBe(false);
    // Swept once no entry of its slot can be live (whole slots go, from a listing alone).
    now = 200;
    await failures.sweep();
    expect(await throttle.size()).toBe(0);
  });

  it('remembers at most maxEntries names, dropping expired, then older ones', async () => {
    let now = 0;
    const throttle = new AccountThrottle(counters(() => now, 3), { max: 1 });
    for (let i = 0; i < 50; i++) await throttle.fail(`name-${i}`);
    expect(await throttle.size()).toBe(3);
    expect(await throttle.locked('name-49')).toBe(true);
    now = 200;
    await throttle.fail('after');
    expect(await throttle.size()).toBe(1);
  });
});

describe('BoundedRateStore', () => {
  it('counts per key within a window and keeps at most maxEntries keys', async () => {
    let now = 0;
    const store = new BoundedRateStore(new WindowCounters(tempFolderObjects(), 'private/throttles/addresses/', { windowMs: 100, maxEntries: 2, sweepEveryMs: 0, now: () => now }));
    store.init({ windowMs: 100 });
    expect((await store.increment('a')).totalHits).toBe(1);
    expect((await store.increment('a')).totalHits).toBe(2);
    await store.decrement('a');
    expect((await store.get('a'))?.totalHits).toBe(1);
    await store.increment('b');
    await store.increment('c');
    expect(await store.size()).toBe(2);
    expect(await store.get('c')).toBeDefined();
    now = 100;
    expect(await store.get('b')).toBeUndefined();
    expect(await store.increment('b')).toEqual({ totalHits: 1, resetTime: new Date(200) });
  });
});

describe('LoginCsrf', () => {
  it('sets a Secure, HttpOnly, Strict cookie scoped to the admin prefix on https, and checks it', () => {
    let now = 10_000;
    const csrf = new LoginCsrf({ secure: true, maxAgeMs: 1000, now: () => now });
    const res = fakeRes();
    const token = csrf.issue({ baseUrl: '/admin', cookies: {} } as never, res as never);
    expect(res.set).toHaveLength(1);
    const { name, value, options } = res.set[0]!;
    expect(name).toBe('__Secure-outpost_login');
    expect(options).toMatchObject({ httpOnly: true, secure: true, sameSite: 'strict', path: '/admin', maxAge: 1000 });
    const req = { baseUrl: '/admin', cookies: { [name]: value } };
    expect(csrf.verify(req as never, token)).toBe(true);
    // Another process (another secret) did not make this token.
    expect(new LoginCsrf({ secure: true, now: () => now }).verify(req as never, token)).toBe(false);
    // A young nonce is reused, so a second tab's form stays valid; an old one is replaced.
    expect(csrf.issue(req as never, res as never)).toBe(token);
    now += 600;
    expect(csrf.issue(req as never, res as never)).not.toBe(token);
    expect(csrf.verify(req as never, token)).toBe(true);
    now += 401;
    expect(csrf.verify(req as never, token)).toBe(false);
  });
});

describe('log redaction', () => {
  it('removes secret query values and API tokens from URLs, and secret headers', () => {
    expect(redactUrl('/admin/upload?_csrf=abc&x=1')).toBe('/admin/upload?_csrf=[redacted]&x=1');
    expect(redactUrl('/a?access_token=s3cret&token=t&q=opt_0123456789ab_xyz')).toBe('/a?access_token=[redacted]&token=[redacted]&q=[redacted]');
    expect(redactUrl('/x/opt_0123456789ab_secret/y')).toBe('/x/opt_[redacted]/y');
    expect(redactUrl('/updates/a%40b/update.rdf?reqVersion=2')).toBe('/updates/a%40b/update.rdf?reqVersion=2');
    // A feed's secret is its path segment, whatever its shape (a mistyped secret may be a real one).
    const secret = 'Ab_-'.repeat(10) + 'xyz';
    expect(redactUrl(`/feeds/${secret}/updates/a%40b/update.rdf`)).toBe('/feeds/[redacted]/updates/a%40b/update.rdf');
    expect(redactUrl(`/feeds//${secret}x?id=a`)).toBe('/feeds//[redacted]?id=a');
    expect(redactUrl(`/FEEDS/${secret}`)).toBe('/FEEDS/[redacted]');
    expect(redactUrl(`/admin/login?next=/feeds/${secret}&x=1`)).toBe('/admin/login?next=/feeds/[redacted]&x=1');
    // Spelled with escapes, /feeds/ reaches no feed, but the secret after it may be real.
    expect(redactUrl(`/%66eeds/${secret}/updates/x`)).toBe('[redacted]');
    expect(redactUrl(`/a?next=%2Ffeeds%2F${secret}`)).toBe('[redacted]');
    expect(redactUrl(`/a?next=%252Ffeeds%252F${secret}`)).toBe('[redacted]');
    // A feed page's address, sent by the browser with the requests the page makes.
    expect(redactHeaders({ referer: `http://h/feeds/${secret}/collections/c`, Referer: 'http://h/catalog' })).toEqual({
      referer: 'http://h/feeds/[redacted]/collections/c', Referer: 'http://h/catalog',
    });
    expect(redactHeaders({ Authorization: 'Bearer x', cookie: 'a=b', 'set-cookie': ['s=1'], host: 'h' })).toEqual({
      Authorization: '[redacted]', cookie: '[redacted]', 'set-cookie': '[redacted]', host: 'h',
    });
  });
});
