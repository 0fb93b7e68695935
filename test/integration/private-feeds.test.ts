import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyUpdateRdf } from '../../src/manifest/update-rdf-verify.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { cliRunner } from '../helpers/cli.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { serverBackends } from '../helpers/server-backends.ts';

const ID = 'secret@example.org';
const OTHER = 'open@example.org';
const xpi = (id: string, version: string) =>
  buildXpi({ 'install.rdf': installRdf({ id, version, name: `Add-on ${id}`, targets: [{ id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' }] }), 'x.js': `${id} ${version}` });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const enc = encodeURIComponent;

/** Every file below a folder, relative, for "nothing of it is in public/". */
function treeOf(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/**
 * Private add-ons and their feeds over HTTP: a private add-on is an unknown id on every public
 * path and its bytes leave public/; a feed serves its documents and packages with every link
 * under the feed's secret prefix; rotation and revocation kill the old URL at once; the secret
 * never reaches the log.
 */
describe.each(serverBackends('feeds'))('private feeds on a %s', (backend, env) => {
  let server: TestServer;
  const log: string[] = [];
  const api = (method: string, p: string) => fetch(`${server.url}/api/v1/${p}`, { method, headers: { authorization: `Bearer ${server.token}` } });
  const bytes: Record<string, string> = {};

  beforeAll(async () => {
    server = await startServer({ env: await env(), log: (line) => void log.push(line) });
    for (const [id, version] of [[ID, '1.0'], [ID, '1.1'], [OTHER, '1.0']] as const) {
      const body = await xpi(id, version);
      const res = await publish(server, server.token, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      bytes[`${id} ${version}`] = sha256(body);
    }
  });
  afterAll(() => server?.close());

  const publicPaths = () => [
    `/updates/${enc(ID)}/update.rdf`,
    `/updates/${enc(ID)}/update.json`,
    `/updates/${enc(ID)}/${enc(FIREFOX_ID)}/update.rdf`,
    `/updates/${enc(ID)}?reqVersion=2&id=${enc(ID)}&appID=${enc(FIREFOX_ID)}&appVersion=115.0`,
    `/update?id=${enc(ID)}&appID=${enc(FIREFOX_ID)}`,
    `/files/${enc(ID)}/${enc(`${ID}-1.0.xpi`)}`,
    `/files/${enc(ID)}/${enc(`${ID}-1.1.xpi`)}`,
    `/catalog/addon/${enc(ID)}`,
  ];

  it('a private add-on answers 404 on every public path, like an unknown id, and leaves the catalog and public/', async () => {
    for (const p of publicPaths()) expect((await rawGet(`${server.url}${p}`)).status, p).toBe(200);
    const res = await api('POST', `addons/${enc(ID)}/visibility/private`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: ID, private: true, links: {} });
    const unknown = await rawGet(`${server.url}/files/nobody%40example.org/nobody.xpi`);
    for (const p of publicPaths()) {
      const answer = await rawGet(`${server.url}${p}`);
      expect(answer.status, p).toBe(404);
      if (p.startsWith('/files/')) expect(answer.headers['content-type']).toBe(unknown.headers['content-type']);
    }
    const catalog = (await rawGet(`${server.url}/catalog`)).body.toString();
    expect(catalog).toContain(OTHER);
    expect(catalog).not.toContain(ID);
    expect((await rawGet(`${server.url}/catalog?q=secret`)).body.toString()).not.toContain(ID);
    if (backend === 'folder') expect(treeOf(server.outpost.layout.publicDir).filter((f) => f.includes('secret'))).toEqual([]);
    for (const v of ['1.0', '1.1']) expect(await server.outpost.objects.head(`public/files/${ID}/${ID}-${v}.xpi`)).toBeUndefined();
    // Asking again is a success that changes nothing.
    expect((await api('POST', `addons/${enc(ID)}/visibility/private`)).status).toBe(200);
    expect((await api('POST', `addons/${enc(ID)}/visibility/hidden`)).status).toBe(400);
  });

  let url = '';
  let feedId = '';
  it('a feed serves its documents and packages, every link inside the feed, privately cached', async () => {
    const res = await api('POST', `feeds?scope=${enc(`addon ${ID}`)}&label=laptops`);
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({ label: 'laptops', scope: `addon ${ID}`, rotatedAt: null });
    url = created.url;
    feedId = created.id;
    expect(url).toMatch(new RegExp(`^${server.url}/feeds/[A-Za-z0-9_-]{43}/$`));
    const listed = await (await api('GET', 'feeds')).json();
    expect(listed.feeds).toEqual([{ id: feedId, label: 'laptops', scope: `addon ${ID}`, createdAt: created.createdAt, rotatedAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(url.split('/feeds/')[1]!.slice(0, 43));

    const json = await rawGet(`${url}updates/${enc(ID)}/update.json`);
    expect(json.status).toBe(200);
    expect(json.headers['cache-control']).toBe('private, max-age=60');
    const updates = JSON.parse(json.body.toString()).addons[ID].updates as { version: string; update_link: string }[];
    expect(updates.map((u) => u.version).sort()).toEqual(['1.0', '1.1']);
    for (const u of updates) {
      expect(u.update_link.startsWith(url)).toBe(true);
      const pkg = await rawGet(u.update_link);
      expect(pkg.status).toBe(200);
      expect(pkg.headers['cache-control']).toBe('private, max-age=31536000, immutable');
      expect(pkg.headers['content-type']).toBe('application/x-xpinstall');
      expect(sha256(pkg.body)).toBe(bytes[`${ID} ${u.version}`]);
      const etag = String(pkg.headers.etag);
      expect((await rawGet(u.update_link, { 'if-none-match': etag })).status).toBe(304);
      const part = await rawGet(u.update_link, { range: 'bytes=0-3' });
      expect(part.status).toBe(206);
      expect(part.body.toString('latin1')).toBe('PK\u0003\u0004');
    }
    expect((await rawGet(`${url}updates/${enc(ID)}/update.json`, { 'if-none-match': String(json.headers.etag) })).status).toBe(304);

    const rdf = await rawGet(`${url}updates/${enc(ID)}/update.rdf`);
    expect(rdf.status).toBe(200);
    expect(verifyUpdateRdf(rdf.body, server.updateKey, { id: ID })[0]!.ok).toBe(true);
    expect(rdf.body.toString()).toContain(`${url}files/`);
    expect((await rawGet(`${url}updates/${enc(ID)}/${enc(FIREFOX_ID)}/update.rdf`)).status).toBe(200);

    const query = await rawGet(`${url}updates/${enc(ID)}?reqVersion=2&id=${enc(ID)}&appID=${enc(FIREFOX_ID)}&appVersion=115.0`);
    expect(query.status).toBe(200);
    expect(query.headers['cache-control']).toBe('private, max-age=60');
    expect(query.headers['content-type']).toBe('application/json');
    expect(query.body.toString()).toContain(`${url}files/`);
    // Asked again: the same bytes, from the answer cache.
    expect((await rawGet(`${url}updates/${enc(ID)}?reqVersion=2&id=${enc(ID)}&appID=${enc(FIREFOX_ID)}&appVersion=115.0`)).body.equals(query.body)).toBe(true);
    expect((await rawGet(`${url}update?id=${enc(ID)}&appID=${enc(FIREFOX_ID)}`)).status).toBe(200);

    // The feed grants its add-on only.
    expect((await rawGet(`${url}updates/${enc(OTHER)}/update.json`)).status).toBe(404);
    expect((await rawGet(`${url}files/${enc(OTHER)}/${enc(`${OTHER}-1.0.xpi`)}`)).status).toBe(404);
  });

  it('a publish to a private add-on goes to its feed only; a withdrawal leaves the feed at once', async () => {
    const body = await xpi(ID, '1.2');
    const published = await publish(server, server.token, body);
    expect(published.status).toBe(201);
    expect(published.body.warnings.join('\n')).toContain('This add-on is private');
    bytes[`${ID} 1.2`] = sha256(body);
    expect((await rawGet(`${server.url}/files/${enc(ID)}/${enc(`${ID}-1.2.xpi`)}`)).status).toBe(404);
    expect((await rawGet(`${server.url}/updates/${enc(ID)}/update.json`)).status).toBe(404);
    const versions = async () => JSON.parse((await rawGet(`${url}updates/${enc(ID)}/update.json`)).body.toString()).addons[ID].updates.map((u: { version: string }) => u.version).sort();
    expect(await versions()).toEqual(['1.0', '1.1', '1.2']);
    expect((await api('DELETE', `addons/${enc(ID)}/versions/1.2`)).status).toBe(200);
    expect(await versions()).toEqual(['1.0', '1.1']);
    expect((await rawGet(`${url}files/${enc(ID)}/${enc(`${ID}-1.2.xpi`)}`)).status).toBe(404);
  });

  it('refuses hostile feed paths with the plain 404', async () => {
    const secret = url.split('/feeds/')[1]!.slice(0, 43);
    for (const p of [
      `/feeds/${secret.slice(1)}/updates/${enc(ID)}/update.json`,
      `/feeds/${secret}x/updates/${enc(ID)}/update.json`,
      `/feeds/${'A'.repeat(43)}/updates/${enc(ID)}/update.json`,
      `/feeds/${secret}/files/${enc(ID)}/..%2F..%2Fprivate%2Ftokens.json`,
      `/feeds/${secret}/files/${enc(ID)}/%2e%2e`,
      `/feeds/${secret}/updates/${enc(ID)}/..%2F..%2Fupdate.json`,
      `/feeds/${secret}/updates/${enc(ID)}/nothing.json`,
      `/feeds/%00/updates/x/update.json`,
      `/feeds/`,
      // Only /feeds/ reaches a feed: nginx's unlogged location is case-sensitive.
      `/FEEDS/${secret}/updates/${enc(ID)}/update.json`,
      `/Feeds/${secret}/updates/${enc(ID)}/update.json`,
      `/%66eeds/${secret}/updates/${enc(ID)}/update.json`,
    ]) {
      const res = await rawGet(`${server.url}${p}`);
      expect(res.status, p).toBe(404);
      expect(JSON.parse(res.body.toString()).error.code, p).toBe('NOT_FOUND');
    }
  });

  it('public → private round trips keep every package byte for byte', async () => {
    expect((await api('POST', `addons/${enc(ID)}/visibility/public`)).status).toBe(200);
    for (const v of ['1.0', '1.1']) {
      const res = await rawGet(`${server.url}/files/${enc(ID)}/${enc(`${ID}-${v}.xpi`)}`);
      expect(res.status).toBe(200);
      expect(sha256(res.body)).toBe(bytes[`${ID} ${v}`]);
    }
    expect((await rawGet(`${server.url}/updates/${enc(ID)}/update.rdf`)).status).toBe(200);
    expect((await rawGet(`${server.url}/catalog`)).body.toString()).toContain(ID);
    // A feed serves a public add-on too.
    expect((await rawGet(`${url}updates/${enc(ID)}/update.json`)).status).toBe(200);
    expect((await api('POST', `addons/${enc(ID)}/visibility/private`)).status).toBe(200);
    for (const v of ['1.0', '1.1']) {
      const res = await rawGet(`${url}files/${enc(ID)}/${enc(`${ID}-${v}.xpi`)}`);
      expect(sha256(res.body)).toBe(bytes[`${ID} ${v}`]);
      expect((await rawGet(`${server.url}/files/${enc(ID)}/${enc(`${ID}-${v}.xpi`)}`)).status).toBe(404);
    }
  });

  it('rotation kills the old URL at once; revocation kills the feed', async () => {
    const rotated = await (await api('POST', `feeds/${feedId}/rotate`)).json();
    expect(rotated.id).toBe(feedId);
    expect(rotated.rotatedAt).toEqual(expect.any(String));
    expect(rotated.url).not.toBe(url);
    expect((await rawGet(`${url}updates/${enc(ID)}/update.json`)).status).toBe(404);
    const fresh = await rawGet(`${rotated.url}updates/${enc(ID)}/update.json`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.toString()).toContain(rotated.url);
    expect(fresh.body.toString()).not.toContain(url);
    expect((await api('DELETE', `feeds/${feedId}`)).status).toBe(200);
    expect((await rawGet(`${rotated.url}updates/${enc(ID)}/update.json`)).status).toBe(404);
    expect((await api('DELETE', `feeds/${feedId}`)).status).toBe(404);
    expect((await api('POST', `feeds?scope=${enc('addon nobody@example.org')}`)).status).toBe(400);
    // Collections are an admin's: a token is refused before it can learn whether one exists.
    expect((await api('POST', `feeds?scope=${enc('collection team')}`)).status).toBe(403);
    url = rotated.url;
  });

  it('a collection feed serves a private collection and its members under the feed', async () => {
    const admin = { name: 'admin:test', keyName: 'default', admin: true };
    await server.outpost.collections.create('team', { title: 'Team', description: '', members: `addon ${ID}\naddon ${OTHER}` }, admin);
    // The public page of a public collection leaves the private member out entirely.
    const open = JSON.parse((await rawGet(`${server.url}/collections/team.json`)).body.toString());
    expect(open.members.map((m: { id: string }) => m.id)).toEqual([OTHER]);
    expect(JSON.stringify(open)).not.toContain(ID);
    await server.outpost.collections.setVisibility('team', 'private', admin);
    expect((await rawGet(`${server.url}/collections/team.json`)).status).toBe(404);
    expect((await rawGet(`${server.url}/collections/team`)).status).toBe(404);
    const { token } = await server.outpost.feeds.create({ kind: 'collection', id: 'team' }, 'office', admin);
    const base = `${server.url}/feeds/${token}/`;
    const index = await rawGet(`${base}collections/team.json`);
    expect(index.status).toBe(200);
    expect(index.headers['cache-control']).toBe('private, max-age=60');
    const members = JSON.parse(index.body.toString()).members as { id: string; downloads: { url: string }[]; updateUrl: string }[];
    expect(members.map((m) => m.id)).toEqual([ID, OTHER]);
    for (const m of members) {
      expect(m.updateUrl.startsWith(base)).toBe(true);
      expect((await rawGet(m.updateUrl)).status).toBe(200);
      for (const d of m.downloads) expect(sha256((await rawGet(d.url)).body)).toBe(bytes[`${m.id} 1.${m.id === ID ? '1' : '0'}`]);
    }
    const page = await rawGet(`${base}collections/team`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('private, max-age=60');
    // The page loads this server's stylesheet: no Referer may carry the secret along.
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await rawGet(`${base}collections/other.json`)).status).toBe(404);
  });

  it('a private add-on is an unknown id to every other key; only an admin learns which collections exist', async () => {
    const admin = { name: 'admin:test', keyName: 'default', admin: true };
    await server.outpost.versions.setVisibility(ID, 'private', admin);
    await server.outpost.keys.create('stranger');
    const stranger = (await server.outpost.tokens.create('stranger', 'another publisher')).token;
    const as = (method: string, p: string) => fetch(`${server.url}/api/v1/${p}`, { method, headers: { authorization: `Bearer ${stranger}` } });
    const answer = async (res: Response) => [res.status, (await res.json()).error?.code];
    expect(((await (await as('GET', 'addons')).json()).addons as { id: string }[]).map((a) => a.id)).not.toContain(ID);
    expect(await answer(await as('GET', `addons/${enc(ID)}`))).toEqual([404, 'NOT_FOUND']);
    expect(await answer(await as('POST', `addons/${enc(ID)}/visibility/public`))).toEqual([404, 'NOT_FOUND']);
    expect(await answer(await as('DELETE', `addons/${enc(ID)}/versions/1.0`))).toEqual([404, 'NOT_FOUND']);
    // A feed of it is refused exactly as one of an id nobody has.
    const mine = await as('POST', `feeds?scope=${enc(`addon ${ID}`)}`);
    const nobody = await as('POST', `feeds?scope=${enc('addon nobody@example.org')}`);
    expect([mine.status, (await mine.json()).error]).toEqual([nobody.status, { ...(await nobody.json()).error, message: expect.any(String) }]);
    expect(mine.status).toBe(400);
    // Collections are an admin's: a token hears the same for one that exists and one that does not.
    expect(await answer(await as('POST', `feeds?scope=${enc('collection team')}`))).toEqual([403, 'FEED_FORBIDDEN']);
    expect(await answer(await as('POST', `feeds?scope=${enc('collection nothing-here')}`))).toEqual([403, 'FEED_FORBIDDEN']);
    // Liveness says nothing about how many add-ons there are.
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
    // The owner's answer carries the secret, so nothing may keep it.
    const created = await api('POST', `feeds?scope=${enc(`addon ${ID}`)}`);
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
  });

  it('a feed of a deleted collection does not come back with a new collection of that name', async () => {
    const admin = { name: 'admin:test', keyName: 'default', admin: true };
    await server.outpost.collections.create('again', { title: 'Again', description: '', members: `addon ${OTHER}` }, admin);
    const { token } = await server.outpost.feeds.create({ kind: 'collection', id: 'again' }, 'old', admin);
    expect((await rawGet(`${server.url}/feeds/${token}/collections/again.json`)).status).toBe(200);
    await server.outpost.collections.remove('again', admin);
    await server.outpost.collections.create('again', { title: 'Again', description: '', members: `addon ${OTHER}` }, admin);
    expect((await rawGet(`${server.url}/feeds/${token}/collections/again.json`)).status).toBe(404);
    expect((await rawGet(`${server.url}/feeds/${token}/updates/${enc(OTHER)}/update.json`)).status).toBe(404);
  });

  it('links release notes it hosts under the feed, where a private add-on\'s clients can read them', async () => {
    const NOTES = 'notes@example.org';
    const admin = { name: 'admin:test', keyName: 'default', admin: true };
    expect((await publish(server, server.token, await xpi(NOTES, '2.0'), { releaseNotes: 'Private <b>news</b>.' })).status).toBe(201);
    await server.outpost.versions.setVisibility(NOTES, 'private', admin);
    const { token } = await server.outpost.feeds.create({ kind: 'addon', id: NOTES }, 'notes', admin);
    const base = `${server.url}/feeds/${token}`;
    const doc = JSON.parse((await rawGet(`${base}/updates/${enc(NOTES)}/update.json`)).body.toString());
    const notesUrl = doc.addons[NOTES].updates[0].update_info_url as string;
    expect(notesUrl.startsWith(`${base}/notes/`)).toBe(true);
    const rdf = (await rawGet(`${base}/updates/${enc(NOTES)}/update.rdf`)).body.toString();
    expect(rdf).toContain(`${base}/notes/`);
    const page = await rawGet(notesUrl.replace('%APP_LOCALE%', 'en-US'));
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('Private &lt;b&gt;news&lt;/b&gt;.');
    expect(page.headers['cache-control']).toBe('private, max-age=60');
    expect((await rawGet(`${server.url}/notes/${enc(NOTES)}/2.0/en-US`)).status).toBe(404);
  });

  it('the admin visibility form refuses a missing or unknown value and changes nothing', async () => {
    const admin = new AdminClient(server.url);
    expect((await admin.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
    await server.outpost.versions.setVisibility(ID, 'private', { name: 'admin:test', keyName: 'default', admin: true });
    const page = `/admin/addons/${enc(ID)}`;
    for (const fields of [{}, { visibility: 'PUBLIC' }, { visibility: '' }] as Record<string, string>[]) {
      await admin.post(`${page}/visibility`, { _csrf: await admin.csrf(page), ...fields });
      expect((await rawGet(`${server.url}/updates/${enc(ID)}/update.rdf`)).status).toBe(404);
    }
    expect(await (await admin.request(page)).text()).toContain('The visibility is private or public.');
  });

  it('the admin makes an add-on public or private and creates, rotates and revokes feeds, showing a URL only once', async () => {
    const admin = new AdminClient(server.url);
    expect((await admin.signIn('admin', server.firstRun.admin!.password)).status).toBe(303);
    const page = `/admin/addons/${enc(ID)}`;
    const addonPage = await (await admin.request(page)).text();
    expect(addonPage).toContain('Make public');
    expect(addonPage).toContain('(none: the add-on is private;');
    expect((await admin.post(`${page}/visibility`, { _csrf: await admin.csrf(page), visibility: 'public' })).status).toBe(303);
    expect((await rawGet(`${server.url}/updates/${enc(ID)}/update.rdf`)).status).toBe(200);
    expect((await admin.post(`${page}/visibility`, { _csrf: await admin.csrf(page), visibility: 'private' })).status).toBe(303);
    expect((await rawGet(`${server.url}/updates/${enc(ID)}/update.rdf`)).status).toBe(404);
    expect(await (await admin.request('/admin/')).text()).toMatch(/Add-on secret@example\.org<\/a> <span class="badge muted">private<\/span>/);

    const created = await admin.post('/admin/feeds', { _csrf: await admin.csrf('/admin/feeds'), scope: `addon ${ID}`, label: 'QA <team>' });
    expect(created.status).toBe(200);
    const html = await created.text();
    const shown = new RegExp(`${server.url}/feeds/([A-Za-z0-9_-]{43})/`).exec(html)!;
    expect(html).toContain('QA &lt;team&gt;');
    expect((await rawGet(`${shown[0]}updates/${enc(ID)}/update.json`)).status).toBe(200);
    const list = await (await admin.request('/admin/feeds')).text();
    expect(list).toContain('QA &lt;team&gt;');
    expect(list).not.toContain(shown[1]!);
    const id = /QA &lt;team&gt; <code>([0-9a-f]{12})<\/code>/.exec(list)![1]!;
    const rotated = await (await admin.post(`/admin/feeds/${id}/rotate`, { _csrf: await admin.csrf('/admin/feeds') })).text();
    const next = new RegExp(`${server.url}/feeds/([A-Za-z0-9_-]{43})/`).exec(rotated)!;
    expect(next[1]).not.toBe(shown[1]);
    expect((await rawGet(`${shown[0]}updates/${enc(ID)}/update.json`)).status).toBe(404);
    expect((await rawGet(`${next[0]}updates/${enc(ID)}/update.json`)).status).toBe(200);
    expect((await admin.post(`/admin/feeds/${id}/revoke`, { _csrf: await admin.csrf('/admin/feeds') })).status).toBe(303);
    expect((await rawGet(`${next[0]}updates/${enc(ID)}/update.json`)).status).toBe(404);
    const refused = await admin.post('/admin/feeds', { _csrf: await admin.csrf('/admin/feeds'), scope: 'addon', label: '' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('FEED_INVALID');
  });

  it('refuses bad feed API input with a code, changing nothing', async () => {
    const before = (await (await api('GET', 'feeds')).json()).feeds;
    const cases: [string, string, number, string][] = [
      ['POST', `feeds?scope=${enc(`addon ${ID}`)}&scope=${enc(`addon ${OTHER}`)}`, 400, 'FEED_INVALID'],
      ['POST', 'feeds', 400, 'FEED_INVALID'],
      ['POST', `feeds?scope=${enc(`addon ${ID}`)}&label=${'x'.repeat(101)}`, 400, 'FEED_INVALID'],
      ['POST', `feeds?scope=${enc(`addon ${ID}`)}&label=a%07b`, 400, 'FEED_INVALID'],
      ['POST', `feeds?scope=${enc(`chromium ${ID}`)}`, 400, 'FEED_INVALID'],
      ['POST', `feeds?scope=${enc(`addon ../../private`)}`, 400, 'FEED_INVALID'],
      ['POST', 'feeds/..%2f..%2fprivate/rotate', 404, 'FEED_NOT_FOUND'],
      ['DELETE', 'feeds/000000000000', 404, 'FEED_NOT_FOUND'],
      ['POST', `addons/${enc('nobody@example.org')}/visibility/private`, 404, 'NOT_FOUND'],
    ];
    for (const [method, p, status, code] of cases) {
      const res = await api(method, p);
      expect({ p, status: res.status, code: (await res.json()).error?.code }).toEqual({ p, status, code });
    }
    expect((await fetch(`${server.url}/api/v1/feeds`)).status).toBe(401);
    expect((await (await api('GET', 'feeds')).json()).feeds).toEqual(before);
  });

  it('the CLI makes an add-on public or private and lists, creates, rotates and revokes its feeds', async () => {
    const { run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
    expect(await run('visibility', OTHER, 'private')).toMatchObject({ code: 0, stdout: `${OTHER} is private: only its feeds serve it.\n` });
    expect((await rawGet(`${server.url}/updates/${enc(OTHER)}/update.rdf`)).status).toBe(404);
    const created = await run('feed', 'create', OTHER, '--label', 'cli');
    expect(created.code).toBe(0);
    const feedUrl = created.stdout.trim().split('\n').pop()!;
    expect(feedUrl).toMatch(new RegExp(`^${server.url}/feeds/[A-Za-z0-9_-]{43}/$`));
    expect((await rawGet(`${feedUrl}updates/${enc(OTHER)}/update.rdf`)).status).toBe(200);
    const listed = await run('feed', 'list');
    expect(listed.stdout).toContain(`addon ${OTHER}  label="cli"`);
    expect(listed.stdout).not.toContain(feedUrl);
    const id = new RegExp(`^([0-9a-f]{12})  addon ${OTHER.replace('.', '\\.')}`, 'm').exec(listed.stdout)![1]!;
    const rotated = (await run('feed', 'rotate', id)).stdout.trim().split('\n').pop()!;
    expect((await rawGet(`${feedUrl}updates/${enc(OTHER)}/update.rdf`)).status).toBe(404);
    expect((await rawGet(`${rotated}updates/${enc(OTHER)}/update.rdf`)).status).toBe(200);
    expect(await run('feed', 'revoke', id)).toMatchObject({ code: 0 });
    expect((await rawGet(`${rotated}updates/${enc(OTHER)}/update.rdf`)).status).toBe(404);
    const refused = await run('feed', 'revoke', id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('FEED_NOT_FOUND');
    expect(await run('visibility', OTHER, 'public')).toMatchObject({ code: 0, stdout: `${OTHER} is public.\n` });
    expect((await rawGet(`${server.url}/updates/${enc(OTHER)}/update.rdf`)).status).toBe(200);
  });

  it('never logs a feed secret', () => {
    const text = log.join('');
    expect(text).toContain('/feeds/[redacted]');
    const secrets = [...text.matchAll(/\/feeds\/([A-Za-z0-9_-]{43})/g)];
    expect(secrets).toEqual([]);
    expect(text).not.toContain(url.split('/feeds/')[1]!.slice(0, 43));
  });
});
