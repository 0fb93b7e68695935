import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { cliRunner } from '../../helpers/cli.ts';
import { closedPort, publishedAnswer, sendJson, startFakeServer, type FakeServer, type Responder } from '../../helpers/fake-publish-server.ts';

// `outpost publish` is registered in commands/index.ts by the lead; until then add it here so the
// tests drive it through main() exactly as the binary does (parsing, exit codes, error lines).

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(respond: Responder, prefix?: string): Promise<FakeServer> {
  const s = await startFakeServer(respond, { prefix });
  servers.push(s);
  return s;
}

/** A runner whose cwd holds `addon.xpi` (1 MB of random bytes). */
function setup(env: NodeJS.ProcessEnv = {}) {
  const runner = cliRunner(env);
  const data = randomBytes(1024 * 1024);
  writeFileSync(path.join(runner.cwd, 'addon.xpi'), data);
  return { ...runner, sha256: createHash('sha256').update(data).digest('hex') };
}

describe('outpost publish', () => {
  it('uploads and prints the summary; warnings go to stderr', async () => {
    const srv = await server((got, res) => sendJson(res, 201, publishedAnswer(got, { warnings: ['no updateURL in the package', { code: 'W_OLD', message: 'maxVersion is old' }] })), '/outpost/');
    const { run, sha256 } = setup({ OUTPOST_TOKEN: 'secret-token' });
    const out = await run('publish', 'addon.xpi', '--server', srv.url, '--update-info-url', 'https://example.org/1.2.html');
    expect(out.stdout).toBe(
      `Published demo@example.org 1.2 (extension, 1048576 bytes, sha256 ${sha256})\n` +
        'Download: https://u.example/outpost/packages/demo@example.org/1.2.xpi\n' +
        'Manifest: https://u.example/outpost/updates/demo@example.org/update.rdf\n',
    );
    expect(out.stderr).toBe('warning: no updateURL in the package\nwarning: maxVersion is old [W_OLD]\n');
    expect(out.code).toBe(0);
    expect(srv.received[0]).toMatchObject({ headers: { authorization: 'Bearer secret-token' }, fields: { updateInfoURL: 'https://example.org/1.2.html' } });
    expect(srv.received[0]?.file).toMatchObject({ name: 'addon.xpi', sha256 });
  });

  it('takes the server from OUTPOST_SERVER, lets --token win over OUTPOST_TOKEN, and notes a re-publish', async () => {
    const srv = await server((got, res) => sendJson(res, 200, publishedAnswer(got)));
    const { run } = setup({ OUTPOST_SERVER: srv.url, OUTPOST_TOKEN: 'from-env' });
    const out = await run('publish', 'addon.xpi', '--token', 'from-flag');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Published demo@example.org 1.2 /);
    expect(out.stderr).toMatch(/^note: /);
    expect(srv.received[0]?.headers.authorization).toBe('Bearer from-flag');
  });

  it('draws a progress line on stderr only for a terminal', async () => {
    const srv = await server((got, res) => sendJson(res, 201, publishedAnswer(got)));
    const { cwd } = setup();
    let stdout = '';
    let stderr = '';
    const code = await main(['publish', 'addon.xpi', '--server', srv.url, '--token', 't'], {
      env: {},
      cwd,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      isTTY: true,
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Published /);
    expect(stderr.startsWith('\r')).toBe(true);
    expect(stderr.endsWith('\n')).toBe(true);
    expect(stderr.split('\n')).toHaveLength(2); // one line, redrawn with \r
    expect(stderr).toMatch(/100%\s+1\.0 MiB \/ 1\.0 MiB\s+[\d.]+ \S+\/s\s*\n$/);
  });

  it('prints the server error with its code and status, exit 1', async () => {
    const srv = await server((_got, res) => sendJson(res, 403, { error: { code: 'TOKEN_SCOPE', message: 'this token may not publish demo@example.org' } }));
    const { run } = setup({ OUTPOST_TOKEN: 't' });
    const out = await run('publish', 'addon.xpi', '--server', srv.url);
    expect(out).toEqual({ code: 1, stdout: '', stderr: 'outpost publish: this token may not publish demo@example.org [TOKEN_SCOPE] (HTTP 403)\n' });
  });

  it('explains a proxy\'s non-JSON 413 page', async () => {
    const srv = await server((_got, res) => {
      res.writeHead(413, { 'Content-Type': 'text/html' }).end('<html>\r\n<head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>');
    });
    const { run } = setup({ OUTPOST_TOKEN: 't' });
    const out = await run('publish', 'addon.xpi', '--server', srv.url);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^outpost publish: the server refused the upload as too large.* \(HTTP 413\)\n$/);
  });

  it('names the endpoint on a 404 (wrong prefix) and a page title on other non-JSON errors', async () => {
    const srv = await server((_got, res) => sendJson(res, 201, {}), '/outpost/');
    const { run } = setup({ OUTPOST_TOKEN: 't' });
    const wrongPrefix = await run('publish', 'addon.xpi', '--server', srv.url.replace('/outpost/', '/'));
    expect(wrongPrefix.code).toBe(1);
    expect(wrongPrefix.stderr).toContain('/api/v1/packages');
    expect(wrongPrefix.stderr).toMatch(/\(HTTP 404\)\n$/);

    const teapot = await server((_got, res) => res.writeHead(418, { 'Content-Type': 'text/html' }).end('<title>I\x1b[31m am a teapot</title>'));
    const other = await run('publish', 'addon.xpi', '--server', teapot.url);
    expect(other.stderr).toBe(
      `outpost publish: ${teapot.url}api/v1/packages is not an Outpost API: it answered with an HTML page ("I [31m am a teapot"); ` +
        "--server must be Outpost's base address (the public URL, with its path prefix) (HTTP 418)\n",
    );
  });

  it('suggests the address a redirect points to (a POST body cannot be replayed, so it is not followed)', async () => {
    const srv = await server((_got, res) => res.writeHead(301, { Location: 'https://example.org/outpost/api/v1/packages' }).end());
    const { run } = setup({ OUTPOST_TOKEN: 't' });
    const out = await run('publish', 'addon.xpi', '--server', srv.url);
    expect(out).toEqual({ code: 1, stdout: '', stderr: 'outpost publish: the server redirected to https://example.org/outpost/; use that address as --server (HTTP 301)\n' });
  });

  it('fails when a 2xx answer is not a publish result or reports other bytes than were sent', async () => {
    const notOutpost = await server((_got, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>welcome</html>'));
    const { run } = setup({ OUTPOST_TOKEN: 't' });
    const html = await run('publish', 'addon.xpi', '--server', notOutpost.url);
    expect(html).toMatchObject({ code: 1, stdout: '' });
    expect(html.stderr).toMatch(/not a publish result.*\(HTTP 200\)\n$/);

    const corrupt = await server((got, res) => sendJson(res, 201, { ...publishedAnswer(got), sha256: '0'.repeat(64) }));
    const mismatch = await run('publish', 'addon.xpi', '--server', corrupt.url);
    expect(mismatch).toMatchObject({ code: 1, stdout: '' });
    expect(mismatch.stderr).toContain('0'.repeat(64));
  });

  it('reports a refused connection in one line, exit 1', async () => {
    const port = await closedPort();
    const { run } = setup({ OUTPOST_TOKEN: 't' });
    const out = await run('publish', 'addon.xpi', '--server', `http://127.0.0.1:${port}/`);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^outpost publish: .*connection refused.*\[UPLOAD_CONNECTION_FAILED\]\n$/);
  });

  it('treats a bad server address, a missing token or a bad --update-info-url as usage errors (exit 2)', async () => {
    const { run } = setup({ OUTPOST_TOKEN: 't' });
    for (const server of ['example.org', 'ftp://example.org/', 'localhost:8080']) {
      const out = await run('publish', 'addon.xpi', '--server', server);
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(/^outpost publish: .*see `outpost publish --help`/);
    }
    expect((await run('publish', 'addon.xpi')).code).toBe(2);
    expect((await run('publish', 'addon.xpi', '--server', 'http://127.0.0.1:9/', '--update-info-url', 'notes.html')).code).toBe(2);
    const noToken = cliRunner({ OUTPOST_SERVER: 'http://127.0.0.1:9/' });
    expect((await noToken.run('publish', 'addon.xpi')).code).toBe(2);
    expect((await noToken.run('publish', 'addon.xpi', '--token', 'two words')).code).toBe(2);
  });

  it('reports a missing file or a directory before connecting', async () => {
    const { run, cwd } = setup({ OUTPOST_TOKEN: 't', OUTPOST_SERVER: 'http://127.0.0.1:9/' });
    const missing = await run('publish', 'nope.xpi');
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'outpost publish: nope.xpi: no such file. [CLI_FILE_NOT_FOUND]\n' });
    mkdirSync(path.join(cwd, 'folder.xpi'));
    const folder = await run('publish', 'folder.xpi');
    expect(folder.stderr).toMatch(/\[CLI_FILE_UNREADABLE\]\n$/);
  });

  it('warns before sending a token over plain HTTP to another host', async () => {
    const { run } = setup({ OUTPOST_TOKEN: 't' });
    const port = await closedPort();
    // 0.0.0.0 is not a loopback name (Linux connects it locally, so this fails fast): warning, then the failure.
    const out = await run('publish', 'addon.xpi', '--server', `http://0.0.0.0:${port}/`);
    expect(out.stderr).toMatch(new RegExp(`^warning: sending the token to 0\\.0\\.0\\.0:${port} over plain HTTP.*\\n.*UPLOAD_CONNECTION_FAILED`));
    expect(out.code).toBe(1);

    const local = await run('publish', 'addon.xpi', '--server', `http://localhost:${port}/`);
    expect(local.stderr).not.toContain('warning');
  });

  it('lists every option in --help', async () => {
    const out = await cliRunner().run('publish', '--help');
    expect(out.code).toBe(0);
    for (const word of ['--server', '--token', '--update-info-url', 'OUTPOST_TOKEN', 'OUTPOST_SERVER', 'Example:']) expect(out.stdout).toContain(word);
  });
});
