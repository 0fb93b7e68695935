import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/outpost.ts';
import { AdminClient } from '../helpers/admin-client.ts';
import { LogCapture, startAdminServer } from '../helpers/admin-server.ts';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { publish, type TestServer } from '../helpers/server.ts';

const ID = 'logs@example.org';

/** One request-completed line for `method url` with `status`, as pino-http writes it. */
const requestLine = (method: string, url: string) => (line: string) => {
  const entry = JSON.parse(line);
  return entry.req?.method === method && entry.req?.url === url && entry.res?.statusCode !== undefined;
};

describe('request logs carry no secrets', () => {
  const log = new LogCapture();
  let server: TestServer;
  beforeAll(async () => {
    server = await startAdminServer({ logger: createLogger('info', log) });
  });
  afterAll(() => server.close());

  it('logs a publish, a sign-in and admin pages without the token, cookies, CSRF tokens or password', async () => {
    const xpi = await buildXpi({ 'install.rdf': installRdf({ id: ID, version: '1.0', name: 'Logs', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) });
    expect((await publish(server, server.token, xpi)).status).toBe(201);
    // A token in the query string (someone's script doing it wrong) is not logged either.
    await (await fetch(`${server.url}/api/v1/addons?access_token=${server.token}`)).arrayBuffer();

    const password = server.firstRun.admin!.password;
    const admin = new AdminClient(server.url);
    const loginToken = await admin.csrf();
    const loginCookie = admin.cookies.get('outpost_login')!;
    expect((await admin.signIn('admin', password)).status).toBe(303);
    const session = admin.cookies.get('outpost_session')!;
    expect((await admin.request('/admin/')).status).toBe(200);
    const csrf = await admin.csrf('/admin/upload');
    // The upload form sends its CSRF token in the query string (multipart is read after the check).
    const upload = new FormData();
    upload.set('package', new Blob([new Uint8Array(xpi)]), 'addon.xpi');
    await (await admin.request(`/admin/upload?_csrf=${encodeURIComponent(csrf)}`, { method: 'POST', body: upload })).arrayBuffer();

    // Lines are written when each response finishes; wait for the ones this test depends on.
    for (const [method, url] of [
      ['POST', '/api/v1/packages'],
      ['GET', '/api/v1/addons?access_token=[redacted]'],
      ['POST', '/admin/login'],
      ['GET', '/admin/'],
      ['POST', '/admin/upload?_csrf=[redacted]'],
    ] as const) await log.waitFor(requestLine(method, url));

    const text = log.text;
    expect(text).toContain('request completed');
    expect(text).toContain('"authorization":"[redacted]"');
    expect(text).toContain('"cookie":"[redacted]"');
    expect(text).toContain('"set-cookie":"[redacted]"');
    const secrets = { token: server.token, tokenSecret: server.token.slice('opt_0123456789ab_'.length), password, session, loginCookie, loginToken, csrf };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThan(10);
      expect({ name, logged: text.includes(value) || text.includes(encodeURIComponent(value)) }).toEqual({ name, logged: false });
    }
  });
});
