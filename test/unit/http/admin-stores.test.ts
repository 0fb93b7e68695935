import { describe, expect, it } from 'vitest';
import { LoginCsrf } from '../../../src/http/admin/login-csrf.ts';
import { SessionStore } from '../../../src/http/admin/session.ts';
import { AccountThrottle, BoundedRateStore } from '../../../src/http/admin/throttles.ts';
import { redactHeaders, redactUrl } from '../../../src/http/log-redaction.ts';

/** Just enough of Express's req/res for the stores: cookies in, cookies out. */
function fakeRes() {
  const set: { name: string; value: string; options: Record<string, unknown> }[] = [];
  return {
    set,
    cookie: (name: string, value: string, options: Record<string, unknown>) => set.push({ name, value, options }),
    clearCookie: (name: string, options: Record<string, unknown>) => set.push({ name, value: '', options }),
  };
}

describe('SessionStore', () => {
  it('sweeps expired sessions at most once per sweep interval, from any request', () => {
    let now = 0;
    const store = new SessionStore({ secure: false, idleMs: 100, absoluteMs: 1000, sweepEveryMs: 500, now: () => now });
    for (let i = 0; i < 4; i++) store.signIn({} as never, fakeRes() as never, `u${i}`);
    const visit = () => store.middleware()({ cookies: {} } as never, fakeRes() as never, () => undefined);
    now = 499;
    visit();
    expect(store.size).toBe(4);
    now = 500;
    visit();
    expect(store.size).toBe(0);
    expect(store.sweep()).toBe(0);
  });

  it('holds at most maxSessions, dropping the oldest, and expired ones first', () => {
    let now = 0;
    const store = new SessionStore({ secure: false, idleMs: 100, maxSessions: 3, sweepEveryMs: 1e9, now: () => now });
    const ids = Array.from({ length: 5 }, (_, i) => store.signIn({} as never, fakeRes() as never, `u${i}`).id);
    expect(store.size).toBe(3);
    const alive = (id: string) => {
      const req: { cookies: Record<string, string>; session?: unknown } = { cookies: { outpost_session: id } };
      store.middleware()(req as never, fakeRes() as never, () => undefined);
      return req.session !== undefined;
    };
    expect(ids.map(alive)).toEqual([false, false, true, true, true]);
    // ids[2] goes idle while ids[3] and ids[4] are used: a new sign-in replaces the expired one.
    now = 90;
    alive(ids[3]!);
    alive(ids[4]!);
    now = 150;
    store.signIn({} as never, fakeRes() as never, 'late');
    expect([ids[2], ids[3], ids[4]].map((id) => alive(id!))).toEqual([false, true, true]);
  });
});

describe('AccountThrottle', () => {
  it('locks after max failures within the window, and forgets after it', () => {
    let now = 0;
    const throttle = new AccountThrottle({ max: 3, windowMs: 100, now: () => now });
    for (let i = 0; i < 3; i++) throttle.fail('admin');
    expect(throttle.locked('admin')).toBe(true);
    now = 101;
    expect(throttle.locked('admin')).toBe(false);
    expect(throttle.size).toBe(0);
  });

  it('remembers at most maxEntries names, dropping expired, then oldest', () => {
    let now = 0;
    const throttle = new AccountThrottle({ max: 1, windowMs: 100, maxEntries: 3, now: () => now });
    for (let i = 0; i < 50; i++) throttle.fail(`name-${i}`);
    expect(throttle.size).toBe(3);
    expect(throttle.locked('name-49')).toBe(true);
    expect(throttle.locked('name-0')).toBe(false);
    now = 200;
    throttle.fail('after');
    expect(throttle.size).toBe(1);
  });
});

describe('BoundedRateStore', () => {
  it('counts per key within a window and keeps at most maxEntries keys', () => {
    let now = 0;
    const store = new BoundedRateStore({ maxEntries: 2, now: () => now });
    store.init({ windowMs: 100 } as never);
    expect(store.increment('a').totalHits).toBe(1);
    expect(store.increment('a').totalHits).toBe(2);
    store.decrement('a');
    expect(store.get('a')?.totalHits).toBe(1);
    store.increment('b');
    store.increment('c');
    expect(store.size).toBe(2);
    expect(store.get('a')).toBeUndefined();
    now = 100;
    expect(store.get('b')).toBeUndefined();
    expect(store.increment('b')).toEqual({ totalHits: 1, resetTime: new Date(200) });
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
    expect(redactHeaders({ Authorization: 'Bearer x', cookie: 'a=b', 'set-cookie': ['s=1'], host: 'h' })).toEqual({
      Authorization: '[redacted]', cookie: '[redacted]', 'set-cookie': '[redacted]', host: 'h',
    });
  });
});
