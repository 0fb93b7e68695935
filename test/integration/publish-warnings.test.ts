/** What a publisher is told: warnings only when something is really wrong, errors that name what to fix. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildXpi, FIREFOX_ID, installRdf, webextManifest } from '../helpers/build-xpi.ts';
import { publish, startServer, type TestServer } from '../helpers/server.ts';

const FIREFOX = { id: FIREFOX_ID, minVersion: '60.0', maxVersion: '*' };

describe('publish warnings and messages', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const legacy = (id: string, version: string, updateURL?: string, updateKey?: string) =>
    buildXpi({ 'install.rdf': installRdf({ id, version, name: 'W', targets: [FIREFOX], ...(updateURL ? { updateURL } : {}), updateKey: updateKey ?? server.updateKey }) });

  it('does not warn about any update URL form the README gives', async () => {
    const id = '{0b3a3e4c-1c2d-4e5f-8a9b-0c1d2e3f4a5b}';
    const forms = [
      `${server.url}/updates/${id}/update.rdf`,
      `${server.url}/updates/${encodeURIComponent(id)}/update.rdf`,
      `${server.url}/updates/${id}?reqVersion=%REQ_VERSION%&appID=%APP_ID%&appVersion=%APP_VERSION%&compatMode=%COMPATIBILITY_MODE%`,
      `${server.url}/update?id=%ITEM_ID%&appID=%APP_ID%&appVersion=%APP_VERSION%&appOS=%APP_OS%&appABI=%APP_ABI%`,
    ];
    for (const [i, url] of forms.entries()) {
      const res = await publish(server, server.token, await legacy(id, `1.${i}`, url));
      expect(res.status, url).toBe(201);
      expect(res.body.warnings.filter((w: string) => /does not lead/.test(w)), url).toEqual([]);
    }
    const webext = await buildXpi({ 'manifest.json': webextManifest({ id: 'we@example.org', version: '1.0', update_url: `${server.url}/updates/we@example.org/update.json` }) });
    const res = await publish(server, server.token, webext);
    expect(res.body.warnings.filter((w: string) => /does not lead/.test(w))).toEqual([]);
  });

  it('warns when the update URL leads elsewhere', async () => {
    const res = await publish(server, server.token, await legacy('elsewhere@example.org', '1.0', 'https://other.example.org/update.rdf'));
    expect(res.status).toBe(201);
    expect(res.body.warnings.some((w: string) => w.includes('does not lead to elsewhere@example.org on this server'))).toBe(true);
  });

  it('warns when a version is lower than the newest one offered', async () => {
    expect((await publish(server, server.token, await legacy('lower@example.org', '2.0'))).status).toBe(201);
    const res = await publish(server, server.token, await legacy('lower@example.org', '1.5'));
    expect(res.status).toBe(201);
    expect(res.body.warnings.some((w: string) => w.includes('1.5 is lower than 2.0'))).toBe(true);
  });

  it('names both keys when the package carries another key', async () => {
    const other = await server.outpost.keys.create('other-key');
    const res = await publish(server, server.token, await legacy('keys@example.org', '1.0', undefined, other.updateKey));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('UPDATE_KEY_MISMATCH');
    expect(res.body.error.message).toContain('key "other-key" here');
    expect(res.body.error.message).toContain('not the key "default"');
  });
});
