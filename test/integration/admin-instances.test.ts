import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionService } from '../../src/auth/session-service.ts';
import { SESSIONS } from '../../src/limits.ts';
import type { ObjectStore } from '../../src/storage/objects/object-store.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { startAdminServer } from '../helpers/admin-server.ts';
import { objectBackends } from '../helpers/object-backends.ts';
import type { TestServer } from '../helpers/server.ts';

/**
 * Two servers whose sessions live in one store, as two instances behind a load balancer: a browser
 * signed in on one is signed in on the other, the message after an action and a new API token
 * reach it whichever instance answers, and a sign-out on one holds on the other within the bound.
 */
for (const backend of objectBackends('admin')) describe(`admin sessions across two instances, on ${backend.name}`, () => {
  const clock = { at: 1_800_000_000_000, now: () => clock.at };
  let one: TestServer;
  let two: TestServer;
  const stores: ObjectStore[] = [];

  beforeAll(async () => {
    const shared = await backend.open();
    stores.push(shared.objects, shared.attach());
    one = await startAdminServer({ auth: { sessions: new SessionService(stores[0]!, { now: clock.now }) } });
    two = await startAdminServer({ auth: { sessions: new SessionService(stores[1]!, { now: clock.now }) } });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    for (const store of stores) await store.close();
  });

  /** The same browser (cookies) talking to the other instance. */
  function onTwo(client: AdminClient): AdminClient {
    const other = new AdminClient(two.url);
    for (const [name, value] of client.cookies) other.cookies.set(name, value);
    return other;
  }

  it('signs in on one, acts on the other, and signs out everywhere', async () => {
    const browser = new AdminClient(one.url);
    expect((await browser.signIn('admin', one.firstRun.admin!.password)).status).toBe(303);
    expect((await onTwo(browser).request('/admin/')).status).toBe(200);

    // A new token is shown in the answer to the POST, so it needs no stored copy to reach the page.
    const created = await browser.post('/admin/tokens', { _csrf: await browser.csrf('/admin/tokens'), key: 'default', label: 'lb' });
    expect(created.status).toBe(201);
    const token = /id="new-token">([^<]+)</.exec(await created.text())![1]!;
    expect(token).toMatch(/^opt_/);
    expect(await (await browser.request('/admin/tokens')).text()).not.toContain(token);

    // The message after an action's redirect reaches the browser from the other instance.
    const id = token.slice(4, 16);
    const revoked = await browser.post(`/admin/tokens/${id}/revoke`, { _csrf: await browser.csrf('/admin/tokens') });
    expect(revoked.status).toBe(303);
    const there = onTwo(browser);
    expect(await (await there.request('/admin/tokens')).text()).toContain(`Token ${id} was revoked`);
    // Shown once.
    expect(await (await there.request('/admin/tokens')).text()).not.toContain(`Token ${id} was revoked`);

    const stale = onTwo(browser);
    expect((await browser.post('/admin/logout', { _csrf: await browser.csrf('/admin/') })).status).toBe(303);
    expect((await new AdminClient(one.url).request('/admin/', { headers: { cookie: `outpost_session=${stale.cookies.get('outpost_session')}` }, redirect: 'manual' })).status).toBe(302);
    // The other instance trusts its copy for at most SESSIONS.recheckMs.
    clock.at += SESSIONS.recheckMs;
    expect((await stale.request('/admin/', { redirect: 'manual' })).status).toBe(302);
  });
});
