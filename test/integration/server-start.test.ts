import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildXpi, FIREFOX_ID, installRdf } from '../helpers/build-xpi.ts';
import { cliRunner } from '../helpers/cli.ts';
import { publish, startServer } from '../helpers/server.ts';

const BIN = path.resolve(import.meta.dirname, '../../src/cli/bin.mjs');

/** Runs `outpost serve` as a real process until it prints its banner, then stops it. */
async function startOnce(cwd: string): Promise<{ banner: string; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd,
    env: { PATH: process.env.PATH, PORT: '0', OUTPOST_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (out += c));
  try {
    const deadline = Date.now() + 20_000;
    // Ready once it listens and, on a first start, has printed the whole secrets block.
    const ready = () => /listening on http/.test(out) && (!/First start/.test(out) || /\n=+\n/.test(out));
    while (!ready()) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    return { banner: out, url };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

describe('outpost serve (npm start)', () => {
  it('prints the key, token and generated passphrase once, on the first start only', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'outpost-start-'));
    const first = await startOnce(cwd);
    expect(first.banner).toMatch(/First start/);
    expect(first.banner).toMatch(/MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\S+/);
    expect(first.banner).toMatch(/opt_[0-9a-f]{12}_\S{43}/);
    expect(first.banner).toMatch(/generated one into .*keys\/passphrase/);
    expect(first.banner).toMatch(/Admin sign-in at .*\/admin\/.*\n\s+user admin, password [A-Za-z0-9]{20}\n/);
    expect(statSync(path.join(cwd, 'keys/passphrase')).mode & 0o777).toBe(0o600);
    for (const f of readdirSync(path.join(cwd, 'keys'))) {
      expect(statSync(path.join(cwd, 'keys', f)).mode & 0o777, f).toBe(0o600);
      expect(readFileSync(path.join(cwd, 'keys', f), 'utf8'), f).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
    }
    const tokens = readFileSync(path.join(cwd, 'storage/private/tokens.json'), 'utf8');
    const token = /opt_[0-9a-f]{12}_\S{43}/.exec(first.banner)![0];
    expect(tokens).not.toContain(token.slice(17));

    const second = await startOnce(cwd);
    expect(second.banner).not.toMatch(/First start|opt_|MIIB|passphrase|password/);
  });
});

describe('outpost token (with a running server)', () => {
  it('creates a token that publishes, lists it, and revokes it so the server refuses it at once', async () => {
    const server = await startServer();
    try {
      const env = { OUTPOST_DATA: path.join(server.dir, 'storage'), OUTPOST_KEYS: path.join(server.dir, 'keys'), OUTPOST_KEY_PASSPHRASE: 'test passphrase' };
      const { run } = cliRunner(env);
      const created = await run('token', 'create', '--key', 'default', '--label', 'ci');
      expect(created.code).toBe(0);
      const token = created.stdout.trim().split('\n').pop()!;
      expect(token).toMatch(/^opt_[0-9a-f]{12}_\S{43}$/);
      const xpi = await buildXpi({ 'install.rdf': installRdf({ id: 'tok@example.org', version: '1.0', targets: [{ id: FIREFOX_ID, minVersion: '3.6', maxVersion: '56.*' }] }) });
      expect((await publish(server, token, xpi)).status).toBe(201);

      const listed = await run('token', 'list');
      const id = token.slice(4, 16);
      expect(listed.stdout).toMatch(new RegExp(`${id}\\s+key=default\\s+label="ci"`));
      expect(listed.stdout).not.toContain(token);

      expect((await run('token', 'revoke', id)).code).toBe(0);
      const refused = await publish(server, token, xpi);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('AUTH_INVALID');
      expect((await run('token', 'list')).stdout).toMatch(new RegExp(`${id}.*revoked`));
      expect((await run('token', 'revoke', 'ffffffffffff')).code).toBe(1);
      expect((await run('token', 'create', '--key', 'nope')).code).toBe(1);
    } finally {
      await server.close();
    }
  });
});
