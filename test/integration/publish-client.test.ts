import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { cliRunner } from '../helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

// Registers `publish` for main() if commands/index.ts does not list it yet (see test/unit/cli/publish.test.ts).
vi.mock('../../src/cli/commands/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/cli/commands/index.ts')>();
  const { publishCommand } = await import('../../src/cli/commands/publish.ts');
  const present = original.commands.some((c) => c.path.join(' ') === 'publish');
  return { commands: present ? original.commands : [...original.commands, publishCommand] };
});

const ID = 'client@example.org';

function xpi(version: string, padding = ''): Promise<Buffer> {
  return buildXpi({
    'install.rdf': installRdf({ id: ID, version, name: 'Client Example', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }),
    'chrome/content/main.js': `// ${version} ${padding}\n`,
  });
}

describe('outpost publish against the real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ maxUploadMb: 1 });
  });
  afterAll(() => server.close());

  it('publishes, republishes the same bytes, and reports a version conflict and a bad token', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
    const bytes = await xpi('1.0');
    writeFileSync(path.join(cwd, 'client-1.0.xpi'), bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');

    const first = await run('publish', 'client-1.0.xpi', '--update-info-url', 'https://example.org/notes/1.0');
    expect(first.stderr).not.toMatch(/outpost publish:/);
    expect(first.code).toBe(0);
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Published ${ID} 1.0 (extension, ${bytes.length} bytes, sha256 ${sha256})`);
    const download = /^Download: (\S+)$/.exec(lines[1] ?? '')?.[1];
    expect(lines[2]).toMatch(/^Manifest: http:\/\/127\.0\.0\.1:\d+\/updates\/.+\/update\.rdf$/);
    const served = Buffer.from(await (await fetch(download!)).arrayBuffer());
    expect(served.equals(bytes)).toBe(true);

    const again = await run('publish', 'client-1.0.xpi');
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(lines[0]);
    expect(again.stderr).toMatch(/^note: /);

    writeFileSync(path.join(cwd, 'other-1.0.xpi'), await xpi('1.0', 'different bytes'));
    const conflict = await run('publish', 'other-1.0.xpi');
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/^outpost publish: .+ \[VERSION_EXISTS\] \(HTTP 409\)\n$/);

    const badToken = await run('publish', 'client-1.0.xpi', '--token', 'not-a-real-token');
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/^outpost publish: .+ \[AUTH_INVALID\] \(HTTP 401\)\n$/);
  });

  it('reports the server\'s size limit while the upload is still going', async () => {
    const { cwd, run } = cliRunner({ OUTPOST_SERVER: server.url, OUTPOST_TOKEN: server.token });
    writeFileSync(path.join(cwd, 'huge.xpi'), randomBytes(8 * 1024 * 1024));
    const out = await run('publish', 'huge.xpi');
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^outpost publish: .+ \[UPLOAD_TOO_LARGE\] \(HTTP 413\)\n$/);
  });
});
