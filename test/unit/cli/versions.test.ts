import { afterEach, describe, expect, it } from 'vitest';
import { cliRunner } from '../../helpers/cli.ts';
import { closedPort, sendJson, startFakeServer, type FakeServer, type ReceivedUpload } from '../../helpers/fake-publish-server.ts';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const ID = '{a1b2}@example.org';

/** The add-on details the API answers with, 1.1 withdrawn or not. */
function details(withdrawn: boolean): unknown {
  const v = (version: string, withdrawnAt: string | null) => ({ version, withdrawnAt, links: withdrawnAt ? {} : { download: `https://u.example/${version}.xpi` } });
  return { id: ID, name: 'Demo', versions: [v('1.2', null), ...(withdrawn ? [] : [v('1.1', null)]), v('1.0', null), ...(withdrawn ? [v('1.1', '2024-05-01T00:00:00.000Z')] : [])] };
}

async function api(other: (got: ReceivedUpload) => [number, unknown]): Promise<FakeServer> {
  const s = await startFakeServer(() => undefined, {
    prefix: '/outpost/',
    other: (got, res) => {
      const [status, body] = other(got);
      sendJson(res, status, body);
    },
  });
  servers.push(s);
  return s;
}

describe('outpost withdraw / restore', () => {
  it('withdraws with DELETE and restores with POST …/restore, naming what is offered afterwards', async () => {
    const srv = await api((got) => [200, details(got.method === 'DELETE')]);
    const { run } = cliRunner({ OUTPOST_SERVER: srv.url, OUTPOST_TOKEN: 'tok' });
    const withdrawn = await run('withdraw', ID, '1.1');
    expect(withdrawn).toEqual({ code: 0, stdout: `Withdrew ${ID} 1.1. Offered now: 1.2, 1.0.\n`, stderr: '' });
    const restored = await run('restore', ID, '1.1', '--token', 'other');
    expect(restored).toEqual({ code: 0, stdout: `Restored ${ID} 1.1. Offered now: 1.2, 1.1, 1.0.\n`, stderr: '' });
    expect(srv.received.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['DELETE', '/outpost/api/v1/addons/%7Ba1b2%7D%40example.org/versions/1.1', 'Bearer tok'],
      ['POST', '/outpost/api/v1/addons/%7Ba1b2%7D%40example.org/versions/1.1/restore', 'Bearer other'],
    ]);
  });

  it('prints the server\'s error, and says when the address is not an Outpost API', async () => {
    const srv = await api(() => [404, { error: { code: 'VERSION_NOT_FOUND', message: `${ID} has no version 9.9.` } }]);
    const { run } = cliRunner({ OUTPOST_TOKEN: 't' });
    expect(await run('withdraw', ID, '9.9', '--server', srv.url)).toEqual({ code: 1, stdout: '', stderr: `outpost withdraw: ${ID} has no version 9.9. [VERSION_NOT_FOUND] (HTTP 404)\n` });
    const notOutpost = await api(() => [200, { ok: true }]);
    const wrong = await run('restore', ID, '1.0', '--server', notOutpost.url);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^outpost restore: the answer is not an add-on: .* answered with JSON that is not an Outpost answer; .*\(HTTP 200\)\n$/);
  });

  it('needs a server, a token and an id with a version (a VPN add-on: the id alone); reports a refused connection', async () => {
    const { run } = cliRunner({ OUTPOST_TOKEN: 't' });
    expect((await run('withdraw', ID, '1.0')).code).toBe(2);
    expect((await run('withdraw', ID, '1.0', 'extra', '--server', 'http://127.0.0.1:9/')).code).toBe(2);
    expect((await run('restore', ID, '--server', 'http://127.0.0.1:9/')).code).toBe(2);
    expect((await cliRunner().run('restore', ID, '1.0', '--server', 'http://127.0.0.1:9/')).code).toBe(2);
    const port = await closedPort();
    const refused = await run('withdraw', ID, '1.0', '--server', `http://127.0.0.1:${port}/`);
    expect(refused.stderr).toMatch(/^outpost withdraw: cannot connect to 127\.0\.0\.1:\d+: connection refused.*\[API_UNREACHABLE\]\n$/);
  });
});
