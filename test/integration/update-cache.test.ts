import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyUpdateRdf } from '../../src/manifest/update-rdf-verify.ts';
import { APP } from '../../src/manifest/update-selection.ts';
import { buildXpi, installRdf } from '../helpers/build-xpi.ts';
import { publish, rawGet, startServer, type TestServer } from '../helpers/server.ts';
import { serverBackends } from '../helpers/server-backends.ts';

const ID = 'cached@example.org';
const BYSTANDER = 'bystander@example.org';
const FF = APP.firefox;
const SM = APP.seamonkey;

const xpi = (id: string, version: string, targets: { id: string; minVersion: string; maxVersion: string }[]) =>
  buildXpi({ 'install.rdf': installRdf({ id, version, targets }), 'x.js': `${id} ${version}` });

/**
 * Update-query answers are cached by content (rendered and signed once, then served before
 * Express). Whatever a client asked before, the next answer after a publish, withdraw, restore or
 * range edit of the add-on shows the change; other add-ons keep their answers.
 */
describe.each(serverBackends('answers'))('cached update-query answers over HTTP from a %s', (_name, env) => {
  let server: TestServer;
  const q = (id: string, query: string) => `${server.url}/updates/${encodeURIComponent(id)}?reqVersion=2&id=${encodeURIComponent(id)}&${query}`;
  const FF_QUERY = `appID=${encodeURIComponent(FF)}&appVersion=115.0&compatMode=strict&appOS=Linux&appABI=x86_64-gcc3`;
  const SM_QUERY = `appID=${encodeURIComponent(SM)}&appVersion=2.53.1&compatMode=normal`;
  const versions = async (url: string): Promise<string[]> => {
    const res = await rawGet(url);
    expect(res.status).toBe(200);
    if (res.headers['content-type'] === 'application/json') return JSON.parse(res.body.toString()).addons[ID]?.updates.map((u: { version: string }) => u.version) ?? [];
    expect(verifyUpdateRdf(res.body, server.updateKey, { id: ID })[0]!.ok).toBe(true);
    return [...res.body.toString().matchAll(/<em:version>([^<]+)<\/em:version>/g)].map((m) => m[1]!);
  };
  /** Asks twice: the second answer comes from the cache, and both must agree. */
  const twice = async (url: string): Promise<string[]> => {
    const first = await rawGet(url);
    const second = await rawGet(url);
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['cache-control']).toBe('public, max-age=60');
    return versions(url);
  };

  beforeAll(async () => {
    server = await startServer({ env: await env() });
    for (const [id, version] of [[ID, '1.0'], [BYSTANDER, '1.0']] as const) {
      const res = await publish(server, server.token, await xpi(id, version, [{ id: FF, minVersion: '60.0', maxVersion: '128.*' }, { id: SM, minVersion: '2.49', maxVersion: '2.53.*' }]));
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => server.close());

  it('serves repeated queries from memory with the same bytes and headers as the first answer', async () => {
    expect(await twice(q(ID, FF_QUERY))).toEqual(['1.0']);
    expect(await twice(q(ID, SM_QUERY))).toEqual(['1.0']);
    const head = await fetch(q(ID, FF_QUERY), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String((await rawGet(q(ID, FF_QUERY))).body.length));
  });

  it('shows a new version at once after a publish', async () => {
    const bystander = (await rawGet(q(BYSTANDER, FF_QUERY))).body;
    const res = await publish(server, server.token, await xpi(ID, '2.0', [{ id: FF, minVersion: '100.0', maxVersion: '128.*' }, { id: SM, minVersion: '2.53', maxVersion: '2.53.*' }]));
    expect(res.status).toBe(201);
    expect(await twice(q(ID, FF_QUERY))).toEqual(['2.0', '1.0']);
    expect(await twice(q(ID, SM_QUERY))).toEqual(['2.0', '1.0']);
    expect((await rawGet(q(BYSTANDER, FF_QUERY))).body.equals(bystander)).toBe(true);
  });

  it('drops a withdrawn version at once, and shows it again once restored', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const withdraw = await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}/versions/2.0`, { method: 'DELETE', headers: auth });
    expect(withdraw.status).toBe(200);
    expect(await twice(q(ID, FF_QUERY))).toEqual(['1.0']);
    expect(await twice(q(ID, SM_QUERY))).toEqual(['1.0']);
    const restore = await fetch(`${server.url}/api/v1/addons/${encodeURIComponent(ID)}/versions/2.0/restore`, { method: 'POST', headers: auth });
    expect(restore.status).toBe(200);
    expect(await twice(q(ID, FF_QUERY))).toEqual(['2.0', '1.0']);
  });

  it('follows a range edit at once, in both formats', async () => {
    const admin = { name: 'admin:test', keyName: 'default', admin: true };
    await server.outpost.versions.editRange(ID, '2.0', FF, { minVersion: '116.0', maxVersion: '128.*' }, admin);
    expect(await twice(q(ID, FF_QUERY))).toEqual(['1.0']);
    await server.outpost.versions.editRange(ID, '2.0', SM, { minVersion: '2.49', maxVersion: '2.50.*' }, admin);
    // normal mode checks only the minimum: still offered; strict mode now refuses it.
    expect(await twice(q(ID, SM_QUERY))).toEqual(['2.0', '1.0']);
    expect(await twice(q(ID, SM_QUERY.replace('normal', 'strict')))).toEqual(['1.0']);
  });

  it('answers without appVersion with the bytes of the pre-rendered file, before and after a change', async () => {
    const url = q(ID, `appID=${encodeURIComponent(FF)}&appOS=Linux`);
    const file = `${server.url}/updates/${encodeURIComponent(ID)}/${encodeURIComponent(FF)}/update.json`;
    expect((await rawGet(url)).body.equals((await rawGet(file)).body)).toBe(true);
    await publish(server, server.token, await xpi(ID, '3.0', [{ id: FF, minVersion: '120.0', maxVersion: '*' }]));
    const after = await rawGet(url);
    expect(after.body.equals((await rawGet(file)).body)).toBe(true);
    expect(after.body.toString()).toContain('"3.0"');
  });
});
