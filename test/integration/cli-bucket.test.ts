import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/cli.ts';
import { newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/**
 * The `outpost` command with OUTPOST_STORAGE set works on the deployment the servers share (keys,
 * tokens, admins and the audit log in the bucket), not on a local folder. Real Ceph gateway.
 */
const gateway = requireGateway();

describe.skipIf(!gateway)('outpost key, token and admin on a bucket deployment', () => {
  let server: TestServer;
  let run: ReturnType<typeof cliRunner>['run'];

  beforeAll(async () => {
    const bucket = await newBucket(gateway!, 'cli');
    const env = { ...gateway!.env, OUTPOST_STORAGE: `s3://${bucket}/d`, OUTPOST_KEY_PASSPHRASE: 'test passphrase' };
    server = await startServer({ dir: mkdtempSync(path.join(tmpdir(), 'outpost-cli-bucket-')), env });
    ({ run } = cliRunner(env));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('lists and creates the keys the servers sign with', async () => {
    expect((await run('key', 'list')).stdout).toContain('default');
    expect((await run('key', 'create', 'second')).code).toBe(0);
    expect((await server.outpost.keys.list()).map((k) => k.name).sort()).toEqual(['default', 'second']);
  });

  it('creates a token a server accepts, and revokes it', async () => {
    const created = await run('token', 'create', '--key', 'second', '--label', 'ci');
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim().split('\n').pop()!;
    const auth = { headers: { authorization: `Bearer ${token}` } };
    expect((await fetch(`${server.url}/api/v1/addons`, auth)).status).toBe(200);
    const id = (await server.outpost.tokens.list()).find((t) => t.label === 'ci')!.id;
    expect((await run('token', 'revoke', id)).code).toBe(0);
    // Servers re-read the token list within TOKENS.recheckMs (auth-state tests cover that bound).
    expect((await server.outpost.tokens.list()).find((t) => t.id === id)?.revokedAt).toBeDefined();
    const audit = await server.outpost.audit.recent(20);
    expect(audit.filter((e) => e.actor === 'cli').map((e) => e.action)).toEqual(expect.arrayContaining(['key-create', 'token-create', 'token-revoke']));
  });

  it('sets an admin password that signs in on the server', async () => {
    const passwd = await run('admin', 'passwd', 'admin');
    expect(passwd.code, passwd.stderr).toBe(0);
    const password = passwd.stdout.trim().split('\n').pop()!.trim().split(/\s+/).pop()!;
    expect(await server.outpost.admins.verify('admin', password)).toBeDefined();
  });
});
