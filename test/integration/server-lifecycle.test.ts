/**
 * `outpost serve` as an operator runs it: it refuses to start on configuration that could only
 * fail later, refuses a second server on one data folder, says which port is taken, and stops
 * cleanly on SIGINT and SIGTERM (also through `npm start`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'src/cli/bin.mjs');

interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
}

const children: Running[] = [];
afterEach(async () => {
  for (const r of children.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await r.exited;
  }
});

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', OUTPOST_LOG_LEVEL: 'warn', OUTPOST_KEY_PASSPHRASE: 'lifecycle passphrase', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  child.stderr!.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const running = { child, output: () => out, exited };
  children.push(running);
  return running;
}

/** Resolves when `pattern` appears in the output, or rejects when the process ends first. */
function waitFor(r: Running, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pattern.test(r.output())) {
        r.child.stdout!.off('data', check);
        resolve(r.output());
      }
    };
    r.child.stdout!.on('data', check);
    r.child.stderr!.on('data', check);
    void r.exited.then(() => (pattern.test(r.output()) ? resolve(r.output()) : reject(new Error(`ended before ${pattern}:\n${r.output()}`))));
    check();
  });
}

const serve = (cwd: string, env?: NodeJS.ProcessEnv) => run(process.execPath, [BIN, 'serve'], cwd, env);
const folder = () => mkdtempSync(path.join(tmpdir(), 'outpost-life-'));

describe('outpost serve lifecycle', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('stops on %s: says so and exits 0', async (signal) => {
    const server = serve(folder());
    await waitFor(server, /listening on http/);
    server.child.kill(signal);
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(new RegExp(`stopping \\(${signal}\\)`));
    expect(server.output()).toContain('Outpost stopped.');
  });

  it('through npm start, SIGTERM and SIGINT to npm stop the server too', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const dir = folder();
      const npm = run('npm', ['start', '--prefix', ROOT, '--silent'], dir, { OUTPOST_DATA: path.join(dir, 'storage'), OUTPOST_KEYS: path.join(dir, 'keys'), INIT_CWD: dir });
      await waitFor(npm, /listening on http/);
      npm.child.kill(signal);
      await npm.exited;
      await waitFor(npm, /Outpost stopped\./);
    }
  });

  it('refuses a second server on the same data folder, with the reason', async () => {
    const dir = folder();
    const first = serve(dir);
    await waitFor(first, /listening on http/);
    const second = serve(dir);
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toMatch(/already serving .*storage/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // Released on a clean stop: the next start is fine.
    const third = serve(dir);
    await waitFor(third, /listening on http/);
  });

  it('takes over the lock of a server that was killed', async () => {
    const dir = folder();
    const first = serve(dir);
    await waitFor(first, /listening on http/);
    first.child.kill('SIGKILL');
    await first.exited;
    const next = serve(dir);
    await waitFor(next, /listening on http/);
  });

  it('says which port is in use and how to change it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const server = serve(folder(), { PORT: String(port) });
      expect(await server.exited).not.toBe(0);
      expect(server.output()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(server.output()).toContain('PORT=');
    } finally {
      blocker.close();
    }
  });

  it('refuses to start with a wrong key passphrase, naming the variable', async () => {
    const dir = folder();
    const first = serve(dir);
    await waitFor(first, /listening on http/);
    first.child.kill('SIGTERM');
    await first.exited;
    const wrong = serve(dir, { OUTPOST_KEY_PASSPHRASE: 'not the passphrase' });
    expect(await wrong.exited).not.toBe(0);
    expect(wrong.output()).toMatch(/key "default" [\s\S]* cannot be opened with the configured passphrase: set OUTPOST_KEY_PASSPHRASE/);
  });

  it('refuses to start with an unreadable or unusable trust anchor', async () => {
    const dir = folder();
    const missing = serve(dir, { OUTPOST_JAMI_TRUST_ANCHORS: path.join(dir, 'missing.pem') });
    expect(await missing.exited).not.toBe(0);
    expect(missing.output()).toMatch(/OUTPOST_JAMI_TRUST_ANCHORS: .*missing\.pem cannot be read/);
    writeFileSync(path.join(dir, 'garbage.pem'), 'not a certificate');
    const garbage = serve(dir, { OUTPOST_JAMI_TRUST_ANCHORS: path.join(dir, 'garbage.pem') });
    expect(await garbage.exited).not.toBe(0);
    expect(garbage.output()).toMatch(/OUTPOST_JAMI_TRUST_ANCHORS: .*garbage\.pem is not usable/);
  });

  it('makes the keys folder 0700 even when it came 0755 with a clone', async () => {
    const dir = folder();
    mkdirSync(path.join(dir, 'keys'));
    chmodSync(path.join(dir, 'keys'), 0o755);
    const server = serve(dir);
    await waitFor(server, /listening on http/);
    expect(statSync(path.join(dir, 'keys')).mode & 0o777).toBe(0o700);
  });
});
