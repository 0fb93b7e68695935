import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports.ts';

/**
 * Everything the bench starts or creates, so that a normal end, an error or Ctrl-C all leave the
 * machine as it was: children are stopped by their own pid, temp dirs removed.
 */
export class Scratch {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs = new Set<string>();
  private readonly stoppers = new Set<() => Promise<void>>();

  tempDir(prefix: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), `outpost-bench-${prefix}-`));
    this.dirs.add(dir);
    return dir;
  }

  /** Only ever removes a dir this Scratch created. */
  removeDir(dir: string): void {
    if (!this.dirs.has(dir)) throw new Error(`refusing to remove ${dir}: the bench did not create it`);
    // rm(1) clears a 10 000-add-on folder in a second; Node's rmSync takes about ten.
    const rm = spawnSync('rm', ['-rf', '--', dir]);
    if (rm.status !== 0) rmSync(dir, { recursive: true, force: true });
    this.dirs.delete(dir);
  }

  track(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  /** For things with their own stop() (nginx from the test helper). */
  onCleanup(stop: () => Promise<void>): () => Promise<void> {
    this.stoppers.add(stop);
    return async () => {
      this.stoppers.delete(stop);
      await stop();
    };
  }

  async cleanup(): Promise<void> {
    for (const stop of [...this.stoppers]) await stop().catch(() => undefined);
    this.stoppers.clear();
    await Promise.all([...this.children].map((c) => stopChild(c)));
    for (const dir of [...this.dirs]) this.removeDir(dir);
  }
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}


/** One GET without keep-alive; resolves with the status, rejects on connection errors. */
export function getStatus(url: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Reads a field such as VmHWM or VmRSS (kB in the file) from /proc/<pid>/status, in bytes. */
export function procStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) * 1024;
}

export interface CommandResult {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a real command and times it from spawn to exit (wall clock). */
export function timedCommand(scratch: Scratch, cmd: string, args: string[], options: { cwd?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    scratch.track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, stdout, stderr }));
  });
}

export interface OutpostProcess {
  pid: number;
  url: string;
  /** Spawn until the first successful GET /healthz. */
  startMs: number;
  logFile: string;
  peakRss(): number;
  rss(): number;
  stop(): Promise<void>;
}

export interface OutpostEnv {
  dataDir: string;
  keysDir: string;
  passphrase: string;
  maxUploadMb?: number;
  logLevel?: string;
  /**
   * OUTPOST_PUBLIC_URL. Defaults to the server's own address; data folders reused across server
   * runs pass a fixed one, since a changed public URL makes start-up re-render every document.
   */
  publicUrl?: string;
  cacheMb?: number;
  /** A given port (e.g. the upstream an nginx already points at); a free one otherwise. */
  port?: number;
  /** More variables (OUTPOST_STORAGE and the S3 ones for a bucket deployment). */
  extra?: Record<string, string>;
}

const REPO = path.resolve(import.meta.dirname, '../..');

/** The node flags `npm start` passes (package.json is their one home), so both start alike. */
const START_NODE_FLAGS: string[] = (() => {
  const start = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((w) => w.startsWith('--'));
})();

/**
 * `outpost serve` as its own process, exactly as `npm start` runs it (node + tsx loader, default
 * log level unless told otherwise), on a free loopback port. Its output goes to a log file, so a
 * chatty request log cannot block on a pipe or cost the bench process CPU.
 */
export async function startOutpost(scratch: Scratch, env: OutpostEnv, logDir: string): Promise<OutpostProcess> {
  const port = env.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OUTPOST_') && k !== 'PORT' && k !== 'HOST'));
  const logFile = path.join(logDir, `outpost-${port}.log`);
  const fd = openSync(logFile, 'w');
  const t0 = performance.now();
  const child = spawn(process.execPath, [...START_NODE_FLAGS, path.join(REPO, 'src/cli/bin.mjs'), 'serve'], {
    cwd: REPO,
    stdio: ['ignore', fd, fd],
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      OUTPOST_DATA: env.dataDir,
      OUTPOST_KEYS: env.keysDir,
      OUTPOST_KEY_PASSPHRASE: env.passphrase,
      OUTPOST_PUBLIC_URL: env.publicUrl ?? url,
      OUTPOST_MAX_UPLOAD_MB: String(env.maxUploadMb ?? 256),
      ...(env.logLevel ? { OUTPOST_LOG_LEVEL: env.logLevel } : {}),
      ...(env.cacheMb ? { OUTPOST_CACHE_MB: String(env.cacheMb) } : {}),
      ...env.extra,
    },
  });
  closeSync(fd);
  scratch.track(child);
  const deadline = t0 + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`outpost serve exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8')}`);
    try {
      if ((await getStatus(`${url}/healthz`, 500)) === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      await stopChild(child);
      throw new Error(`outpost serve did not answer /healthz within 30 s:\n${readFileSync(logFile, 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const startMs = performance.now() - t0;
  const pid = child.pid!;
  return {
    pid,
    url,
    startMs,
    logFile,
    peakRss: () => procStatusBytes(pid, 'VmHWM'),
    rss: () => procStatusBytes(pid, 'VmRSS'),
    stop: () => stopChild(child),
  };
}
