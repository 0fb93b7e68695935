import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliRunner } from '../../helpers/cli.ts';
import { publishedAnswer, sendJson, startFakeServer, type FakeServer, type Responder } from '../../helpers/fake-publish-server.ts';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(respond: Responder, options: { prefix?: string; other?: Responder } = {}): Promise<FakeServer> {
  const s = await startFakeServer(respond, options);
  servers.push(s);
  return s;
}

function setup(env: NodeJS.ProcessEnv = { OUTPOST_TOKEN: 't' }) {
  const runner = cliRunner(env);
  writeFileSync(path.join(runner.cwd, 'addon.xpi'), randomBytes(4096));
  return runner;
}

const ADMIN_PAGE = '<!doctype html><html><head><title>Outpost admin</title></head><body>Forbidden</body></html>';

describe('outpost publish: an address that is not an Outpost API', () => {
  it('says so for the admin pages\' HTML 403 (--server …/admin), instead of blaming the token', async () => {
    const srv = await server((got, res) => sendJson(res, 201, publishedAnswer(got)), {
      other: (_got, res) => res.writeHead(403, { 'Content-Type': 'text/html' }).end(ADMIN_PAGE),
    });
    const out = await setup().run('publish', 'addon.xpi', '--server', `${srv.url}admin`);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      `outpost publish: ${srv.url}admin/api/v1/packages is not an Outpost API: it answered with an HTML page ("Outpost admin"); ` +
        "--server must be Outpost's base address (the public URL, with its path prefix, without /admin) (HTTP 403)\n",
    );
    expect(out.stderr).not.toContain('refused to let this token publish');
  });

  it('says so for a redirect to a sign-in page', async () => {
    const srv = await server(() => undefined, {
      prefix: '/x/',
      other: (_got, res) => res.writeHead(302, { Location: '/admin/login?next=%2Fadmin%2Fapi%2Fv1%2Fpackages' }).end(),
    });
    const out = await setup().run('publish', 'addon.xpi', '--server', srv.url.replace('/x/', '/admin/'));
    expect(out.stderr).toMatch(/^outpost publish: \S+\/admin\/api\/v1\/packages is not an Outpost API: it redirects to a sign-in page \(http:\/\/127\.0\.0\.1:\d+\/admin\/login\); .*without \/admin\) \(HTTP 302\)\n$/);
  });

  it('says so for a 404 without Outpost\'s JSON error shape, and for JSON of another shape', async () => {
    const srv = await server(() => undefined, { prefix: '/x/' });
    const text = await setup().run('publish', 'addon.xpi', '--server', srv.url.replace('/x/', '/'));
    expect(text.stderr).toMatch(/is not an Outpost API: it answered with text \("Not Found"\); --server must be .* \(HTTP 404\)\n$/);

    const other = await server(() => undefined, { prefix: '/x/', other: (_got, res) => sendJson(res, 404, { message: 'no route' }) });
    const json = await setup().run('publish', 'addon.xpi', '--server', other.url.replace('/x/', '/'));
    expect(json.stderr).toMatch(/is not an Outpost API: it answered with JSON that is not an Outpost answer; .* \(HTTP 404\)\n$/);
  });

  it('prints Outpost\'s own error message as it is, code and status after it', async () => {
    const message = 'The package\'s em:updateKey (…AAAAAAAAAAAAAAAA, not a key of this server) is not the key "default" (…BBBBBBBBBBBBBBBB) that signs demo@example.org\'s manifests.';
    const srv = await server((_got, res) => sendJson(res, 422, { error: { code: 'UPDATE_KEY_MISMATCH', message } }));
    const out = await setup().run('publish', 'addon.xpi', '--server', srv.url);
    expect(out.stderr).toBe(`outpost publish: ${message} [UPDATE_KEY_MISMATCH] (HTTP 422)\n`);
  });
});

describe('outpost publish: what it prints and sends', () => {
  it('prints update.json as the manifest of a WebExtension, and the store of a Jami plugin', async () => {
    const web = await server((got, res) => {
      const answer = publishedAnswer(got);
      const links = answer.links as Record<string, string>;
      sendJson(res, 201, { ...answer, links: { ...links, updateJson: links.updateRdf!.replace(/rdf$/, 'json') } });
    });
    const out = await setup().run('publish', 'addon.xpi', '--server', web.url);
    expect(out.stdout.split('\n')[2]).toBe('Manifest: https://u.example/outpost/updates/demo@example.org/update.json');

    const jami = await server((got, res) => {
      sendJson(res, 201, { ...publishedAnswer(got), type: 'jami-plugin', links: { download: 'https://u.example/jami/download/x86_64/P', storeVersions: 'https://u.example/jami/versions/P' } });
    });
    const plugin = await setup().run('publish', 'addon.xpi', '--server', jami.url);
    expect(plugin.stdout).toContain('\nStore: https://u.example/jami/versions/P\n');
    expect(plugin.stdout).not.toContain('Manifest:');
  });

  it('sends --release-notes files as releaseNotes and releaseNotes.<locale>', async () => {
    const srv = await server((got, res) => sendJson(res, 201, publishedAnswer(got)));
    const { cwd, run } = setup();
    writeFileSync(path.join(cwd, 'notes.txt'), 'Fixed the crash.\n');
    writeFileSync(path.join(cwd, 'notes.de.txt'), 'Absturz behoben – endlich.\n');
    writeFileSync(path.join(cwd, 'notes.pt.txt'), 'Corrigido.\n');
    const out = await run('publish', 'addon.xpi', '--server', srv.url, '--release-notes', 'notes.txt', '--release-notes', 'de=notes.de.txt', '--release-notes=pt-BR=notes.pt.txt');
    expect(out.code, out.stderr).toBe(0);
    expect(srv.received[0]?.fields).toEqual({ releaseNotes: 'Fixed the crash.\n', 'releaseNotes.de': 'Absturz behoben – endlich.\n', 'releaseNotes.pt-BR': 'Corrigido.\n' });
  });

  it('refuses bad --release-notes before uploading anything', async () => {
    const srv = await server((got, res) => sendJson(res, 201, publishedAnswer(got)));
    const { cwd, run } = setup();
    writeFileSync(path.join(cwd, 'n.txt'), 'notes');
    writeFileSync(path.join(cwd, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    writeFileSync(path.join(cwd, 'big.txt'), 'x'.repeat(64 * 1024 + 1));
    const cases: Array<[string[], number, RegExp]> = [
      [['--release-notes', 'German=n.txt'], 2, /"German" is not a locale such as de or pt-BR/],
      [['--release-notes', 'de=n.txt', '--release-notes', 'de=n.txt'], 2, /names the locale de twice/],
      [['--release-notes', 'missing.txt'], 1, /missing\.txt: no such file\. \[CLI_FILE_NOT_FOUND\]/],
      [['--release-notes', 'latin1.txt'], 1, /latin1\.txt is not UTF-8 text\. \[CLI_FILE_UNREADABLE\]/],
      [['--release-notes', 'big.txt'], 1, /big\.txt is larger than 65536 bytes/],
    ];
    for (const [args, code, message] of cases) {
      const out = await run('publish', 'addon.xpi', '--server', srv.url, ...args);
      expect(out.code, args.join(' ')).toBe(code);
      expect(out.stderr, args.join(' ')).toMatch(message);
    }
    expect(srv.received).toEqual([]);
  });
});
