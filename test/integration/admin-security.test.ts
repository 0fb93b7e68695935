import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRouter } from '../../src/http/admin/router.ts';
import { SessionService } from '../../src/auth/session-service.ts';
import { feedRoutesFor, publicCatalogFor } from '../../src/http/app.ts';
import { jamiStoreRoutes } from '../../src/http/routes/jami-store.ts';
import { SessionStore } from '../../src/http/admin/session.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { buildExtensionZip } from '../helpers/crx-build.ts';
import { cliRunner } from '../helpers/cli.ts';
import { tempFolderObjects } from '../helpers/object-backends.ts';
import { fixture } from '../unit/vpn/vpn-fixtures.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';

const ID = 'sec@example.org';

/** Every route the admin router declares, as [method, path] pairs. */
function adminRoutes(server: TestServer): [string, string][] {
  return routesOf(adminRouter(server.outpost));
}

function routesOf(declared: unknown): [string, string][] {
  const router = declared as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  const routes: [string, string][] = [];
  for (const layer of router.stack) {
    if (!layer.route) continue;
    for (const method of Object.keys(layer.route.methods)) routes.push([method.toUpperCase(), layer.route.path]);
  }
  return routes;
}

describe('admin interface security', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    // icon.png: the catalog's icon route has something to serve (a PNG signature is all it checks).
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const xpi = await buildXpi({ 'install.rdf': installRdf({ id: ID, version: '1.0', name: '<script>alert(1)</script>', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }), 'icon.png': png });
    expect((await publish(server, server.token, xpi)).status).toBe(201);
  });
  afterAll(() => server.close());

  it('answers every admin route without a session with a redirect to sign-in (pages) or 403 (actions)', async () => {
    const routes = adminRoutes(server).filter(([, p]) => p !== '/login' && p !== '/logout');
    expect(routes.length).toBeGreaterThanOrEqual(10);
    // The version actions, each walked below like every other route.
    expect(routes).toEqual(expect.arrayContaining([
      ['POST', '/addons/:id/versions/:version/range'],
      ['GET', '/addons/:id/versions/:version/withdraw'],
      ['POST', '/addons/:id/versions/:version/withdraw'],
      ['POST', '/addons/:id/versions/:version/restore'],
      ['GET', '/vpn'],
      ['GET', '/vpn/:id'],
      ['GET', '/vpn/:id/withdraw'],
      ['POST', '/vpn/:id/withdraw'],
      ['POST', '/vpn-channels/:channel/visibility'],
      ['GET', '/collections'],
      ['POST', '/collections'],
      ['POST', '/collections/:name'],
      ['POST', '/collections/:name/delete'],
      ['POST', '/collections/:name/visibility'],
      ['POST', '/addons/:id/visibility'],
      ['POST', '/chromium/:id/visibility'],
      ['GET', '/jami'],
      ['GET', '/jami/:id'],
      ['POST', '/jami/:id/visibility'],
      ['GET', '/feeds'],
      ['POST', '/feeds'],
      ['POST', '/feeds/:id/rotate'],
      ['POST', '/feeds/:id/revoke'],
    ]));
    for (const [method, route] of routes) {
      const path = `/admin${route.replace(':id', encodeURIComponent(ID)).replace(':version', '1.0').replace(':channel', 'production')}`;
      const res = await fetch(`${server.url}${path}`, { method, redirect: 'manual', body: method === 'GET' ? undefined : new URLSearchParams({ a: 'b', confirm: 'yes' }) });
      if (method === 'GET') {
        expect({ route, status: res.status }).toEqual({ route, status: 302 });
        expect(res.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent(path)}`);
      } else {
        expect({ route, status: res.status }).toEqual({ route, status: 403 });
      }
    }
    // Nothing changed for any of those actions.
    const details = await (await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}`, { headers: { authorization: `Bearer ${server.token}` } })).json();
    expect(details.versions[0]).toMatchObject({ version: '1.0', withdrawnAt: null });
  });

  it('walks every public catalog route: no session needed, none made, nothing but GET, the public pages\' headers', async () => {
    const routes = routesOf(publicCatalogFor(server.outpost));
    // A new catalog route fails here until it is added, and so walked below.
    expect(routes).toEqual([['GET', '/catalog'], ['GET', '/catalog/:kind/:id'], ['GET', '/catalog/icons/:id/:file'], ['GET', '/catalog/jami/:id/:version/download']]);
    for (const [, route] of routes) {
      const path = route.replace(':kind', 'addon').replace(':id', encodeURIComponent(ID)).replace(':version', '1.0').replace(':file', 'sec%40example.org-1.0.png');
      const res = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      // The XPI has no Jami download: 404, like anything not offered.
      expect({ route, status: res.status }).toEqual({ route, status: route.endsWith('/download') ? 404 : 200 });
      expect(res.headers.get('set-cookie')).toBeNull();
      if (res.status === 200) {
        expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        if (route.includes('/icons/')) {
          expect(res.headers.get('content-type')).toBe('image/png');
          expect(res.headers.get('content-security-policy')).toContain('sandbox');
        } else {
          const html = await res.text();
          expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
          expect(html).not.toContain('<script>alert(1)');
        }
      }
      for (const method of ['POST', 'PUT', 'DELETE']) expect({ route, method, status: (await fetch(`${server.url}${path}`, { method })).status }).toEqual({ route, method, status: 404 });
    }
  });

  it('walks every feed route: an unknown, malformed or ungranted secret is the plain 404, no method but GET, no cookie', async () => {
    const outer = feedRoutesFor(server.outpost) as unknown as { stack: { handle: unknown }[] };
    const routes = outer.stack.flatMap((layer) => (typeof (layer.handle as { stack?: unknown }).stack === 'object' ? routesOf(layer.handle) : []));
    // A new feed route fails here until it is added, and so walked below.
    expect(routes).toEqual([['GET', '/updates/:id'], ['GET', '/update'], ['GET', '/updates/:id/*doc'], ['GET', '/chromium/updates.xml'], ['GET', '/notes/:id/:version{/:locale}'], ['GET', '/files/:id/:file'], ['GET', '/collections/:file'], ['GET', '/*path']]);
    const admin = { name: 'admin:test', keyName: '', admin: true };
    const { token } = await server.outpost.feeds.create({ kind: 'addon', id: ID }, 'walk', admin);
    // A VPN channel feed grants its index (the /*path route) and nothing of the add-on layout.
    const form = new FormData();
    form.set('package', new Blob([new Uint8Array(fixture('none'))]), 'message_demo.rcc');
    expect((await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${server.token}` } })).status).toBe(201);
    const vpn = (await server.outpost.feeds.create({ kind: 'vpn', id: 'production' }, 'walk', admin)).token;
    const fill = (route: string) => route.replace(':id', encodeURIComponent(ID)).replace('*doc', 'update.rdf').replace(':file', `${encodeURIComponent(ID)}-1.0.xpi`).replace(':version{/:locale}', '1.0/en-US').replace('*path', 'vpn/manifest.json');
    for (const [, route] of routes) {
      for (const secret of ['A'.repeat(43), token.slice(1), `${token}A`]) {
        const res = await fetch(`${server.url}/feeds/${secret}${fill(route)}?id=${encodeURIComponent(ID)}`, { redirect: 'manual' });
        expect({ route, status: res.status }).toEqual({ route, status: 404 });
        expect((await res.json()).error.code).toBe('NOT_FOUND');
      }
      const good = await fetch(`${server.url}/feeds/${token}${fill(route)}?id=${encodeURIComponent(ID)}`, { redirect: 'manual' });
      // A collection route of an add-on feed grants nothing, nor do a VPN index path and the
      // Chromium check; this add-on has no hosted notes.
      expect({ route, status: good.status }).toEqual({ route, status: route.startsWith('/collections') || route.startsWith('/notes') || route === '/*path' || route.startsWith('/chromium') ? 404 : 200 });
      const channel = await fetch(`${server.url}/feeds/${vpn}${fill(route)}?id=${encodeURIComponent(ID)}`, { redirect: 'manual' });
      expect({ route, vpn: channel.status }).toEqual({ route, vpn: route === '/*path' ? 200 : 404 });
      if (channel.status === 200) expect(channel.headers.get('cache-control')).toMatch(/^private, /);
      expect(channel.headers.get('set-cookie')).toBeNull();
      expect(good.headers.get('set-cookie')).toBeNull();
      expect(good.headers.get('referrer-policy')).toBe('no-referrer');
      if (good.status === 200) expect(good.headers.get('cache-control')).toMatch(/^private, /);
      for (const method of ['POST', 'PUT', 'DELETE']) expect({ route, method, status: (await fetch(`${server.url}/feeds/${token}${fill(route)}`, { method })).status }).toEqual({ route, method, status: 404 });
      for (const method of ['POST', 'PUT', 'DELETE']) expect({ route, method, vpn: (await fetch(`${server.url}/feeds/${vpn}${fill(route)}`, { method })).status }).toEqual({ route, method, vpn: 404 });
    }
    // The Jami store API mounted under a feed (jami/…): only a jami or collection feed has it.
    const store = routesOf(jamiStoreRoutes(() => ({ get: () => undefined, list: () => [] }), () => undefined));
    expect(store).toEqual([['GET', '/'], ['GET', '/details/:id'], ['GET', '/versions/:id'], ['GET', '/download/:arch/:id'], ['GET', '/icons/:id'], ['GET', '/backgrounds/:id']]);
    for (const [, route] of store) {
      const p = `/jami${route.replace(':arch', 'x86_64-linux-gnu').replace(':id', 'Plugin')}`;
      for (const secret of ['A'.repeat(43), token, vpn]) expect({ p, status: (await fetch(`${server.url}/feeds/${secret}${p}`)).status }).toEqual({ p, status: 404 });
      for (const method of ['POST', 'PUT', 'DELETE']) expect({ p, method, status: (await fetch(`${server.url}/feeds/${token}${p}`, { method })).status }).toEqual({ p, method, status: 404 });
    }
    // A Chromium extension's feed grants its gupdate answers and .crx, nothing else.
    const zip = new FormData();
    zip.set('package', new Blob([new Uint8Array(await buildExtensionZip())]), 'ext.zip');
    const extension = (await (await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: zip, headers: { authorization: `Bearer ${server.token}` } })).json()) as { id: string };
    const chromium = (await server.outpost.feeds.create({ kind: 'chromium', id: extension.id }, 'walk', admin)).token;
    const crxFill = (route: string) => route.replace(':id', extension.id).replace('*doc', 'updates.xml').replace(':file', `${extension.id}-1.0.crx`).replace(':version{/:locale}', '1.0/en-US').replace('*path', 'vpn/manifest.json');
    const granted = ['/updates/:id/*doc', '/chromium/updates.xml', '/files/:id/:file'];
    for (const [, route] of routes) {
      const res = await fetch(`${server.url}/feeds/${chromium}${crxFill(route)}?x=${encodeURIComponent(`id=${extension.id}&v=0.1`)}`, { redirect: 'manual' });
      expect({ route, chromium: res.status }).toEqual({ route, chromium: granted.includes(route) ? 200 : 404 });
      if (res.status === 200) expect(res.headers.get('cache-control')).toMatch(/^private, /);
      expect(res.headers.get('set-cookie')).toBeNull();
      for (const method of ['POST', 'PUT', 'DELETE']) expect({ route, method, chromium: (await fetch(`${server.url}/feeds/${chromium}${crxFill(route)}`, { method })).status }).toEqual({ route, method, chromium: 404 });
    }
  });

  it('signs in with a new session, a HttpOnly SameSite=Lax cookie, and refuses actions without the CSRF token', async () => {
    const client = new AdminClient(server.url);
    await client.csrf();
    // Showing the sign-in form creates no session: only its stateless form cookie.
    expect([...client.cookies.keys()]).toEqual(['outpost_login']);
    const res = await client.signIn('admin', server.firstRun.admin!.password);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('outpost_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    expect([...client.cookies.keys()]).toEqual(['outpost_session']);

    const withdraw = `/admin/addons/${encodeURIComponent(ID)}/versions/1.0/withdraw`;
    expect((await client.post(withdraw, { confirm: 'yes' })).status).toBe(403);
    expect((await client.post(withdraw, { _csrf: 'forged', confirm: 'yes' })).status).toBe(403);
    const restore = `/admin/addons/${encodeURIComponent(ID)}/versions/1.0/restore`;
    expect((await client.post(restore, {})).status).toBe(403);
    expect((await client.post(restore, { _csrf: 'forged' })).status).toBe(403);
    expect((await client.post('/admin/tokens', { key: 'default', label: 'x' })).status).toBe(403);
    const upload = await client.request('/admin/upload', { method: 'POST', body: new FormData() });
    expect(upload.status).toBe(403);
    expect((await client.request('/admin/')).status).toBe(200);
  });

  it('escapes everything a package says, and sends strict security headers', async () => {
    const client = new AdminClient(server.url);
    await client.signIn('admin', server.firstRun.admin!.password);
    const res = await client.request('/admin/');
    const html = await res.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(html).not.toMatch(/<script>(?!<\/script>)|\son[a-z]+="/i);
  });

  it('locks an account after repeated failures, even with the right password afterwards', async () => {
    const { run } = cliRunner({ OUTPOST_DATA: server.outpost.config.dataDir });
    const created = await run('admin', 'create', 'victim');
    expect(created.code).toBe(0);
    const password = created.stdout.trim().split('\n').pop()!;
    const client = new AdminClient(server.url);
    for (let i = 0; i < 5; i++) expect((await client.signIn('victim', 'wrong-password-1')).status).toBe(401);
    expect((await client.signIn('victim', password)).status).toBe(429);
    expect((await new AdminClient(server.url).signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
  });

  it('manages accounts from the shell: admin create and admin passwd', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_DATA: server.outpost.config.dataDir });
    writeFileSync(`${cwd}/pw`, 'a long enough password\n');
    expect((await run('admin', 'create', 'carol', '--password-file', 'pw')).code).toBe(0);
    expect((await new AdminClient(server.url).signIn('carol', 'a long enough password')).status).toBe(303);
    const changed = await run('admin', 'passwd', 'carol');
    const newPassword = changed.stdout.trim().split('\n').pop()!;
    expect((await new AdminClient(server.url).signIn('carol', 'a long enough password')).status).toBe(401);
    expect((await new AdminClient(server.url).signIn('carol', newPassword)).status).toBe(303);
    expect((await run('admin', 'create', 'carol', '--password-file', 'pw')).code).toBe(1);
    writeFileSync(`${cwd}/short`, 'short');
    expect((await run('admin', 'create', 'dave', '--password-file', 'short')).code).toBe(1);
    expect((await run('admin', 'passwd', 'nobody')).code).toBe(1);
  });
});

describe('SessionStore', () => {
  it('expires idle and old sessions, and marks cookies Secure for https deployments', async () => {
    let now = 0;
    const service = new SessionService(tempFolderObjects(), { idleMs: 1000, absoluteMs: 5000, now: () => now });
    const store = new SessionStore({ secure: true, service });
    expect(store.cookieName).toBe('__Host-outpost_session');
    const cookies: string[] = [];
    const res = {
      cookie: (name: string, value: string, opts: { secure: boolean; httpOnly: boolean }) => cookies.push(`${name}=${value};secure=${opts.secure};httpOnly=${opts.httpOnly}`),
      clearCookie: (name: string) => cookies.push(`${name}=`),
      redirect: () => undefined,
    };
    const mw = store.middleware();
    const anonymous: { cookies: Record<string, string>; session?: { id: string } } = { cookies: {} };
    await mw(anonymous as never, res as never, () => undefined);
    expect(anonymous.session).toBeUndefined();
    expect(cookies).toEqual([]);
    const first = (await store.signIn({} as never, res as never, 'admin')).id;
    expect(cookies[0]).toBe(`__Host-outpost_session=${first};secure=true;httpOnly=true`);
    const again = async (at: number) => {
      now = at;
      const r: typeof anonymous = { cookies: { [store.cookieName]: first } };
      await mw(r as never, res as never, () => undefined);
      return r.session?.id;
    };
    expect(await again(900)).toBe(first);
    expect(await again(1800)).toBe(first);
    expect(await again(3500)).toBeUndefined();
    expect(await service.count()).toBe(0);
  });
});
