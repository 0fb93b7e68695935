import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findTool } from './system-tools.ts';
import { freePort } from './ports.ts';

export const SHIPPED_CONFIG = path.resolve(import.meta.dirname, '../../nginx/outpost.conf');
export const SHIPPED_S3_CONFIG = path.resolve(import.meta.dirname, '../../nginx/outpost-s3.conf');

/** Replaces one deployment value of a shipped file, failing loudly when the file no longer has it. */
function replacer(file: string): { conf: () => string; replace: (pattern: RegExp, value: string) => void } {
  let conf = readFileSync(file, 'utf8');
  return {
    conf: () => conf,
    replace(pattern, value) {
      if (!conf.match(pattern)) throw new Error(`${path.basename(file)} no longer has ${pattern}`);
      conf = conf.replace(pattern, value);
    },
  };
}

/**
 * The shipped server block with only its deployment values replaced (listen address, root,
 * upstream, body size), so tests exercise the file users install.
 */
export function renderServerBlock(opts: { port: number; publicDir: string; upstream: string; clientMaxBodyMb?: number }): string {
  const upstream = new URL(opts.upstream).host;
  const { conf, replace } = replacer(SHIPPED_CONFIG);
  // Every server block (the update host and the Jami store host) listens on the test port;
  // nginx tells them apart by Host header.
  replace(/^\s*listen 80;\n\s*listen \[::\]:80;\n/gm, `    listen 127.0.0.1:${opts.port};\n`);
  replace(/^(\s*root )\/var\/lib\/outpost\/storage\/public;/m, `$1${opts.publicDir};`);
  replace(/^(\s*server )127\.0\.0\.1:8080;/m, `$1${upstream};`);
  if (opts.clientMaxBodyMb !== undefined) replace(/client_max_body_size 256m;/, `client_max_body_size ${opts.clientMaxBodyMb}m;`);
  return conf();
}

/** nginx/outpost-s3.conf with its deployment values replaced: Outpost, the gateway, the bucket, the cache folder. */
export function renderS3Block(opts: { port: number; upstream: string; bucketEndpoint: string; bucketPath: string; cacheDir: string; cacheSeconds?: number }): string {
  const { conf, replace } = replacer(SHIPPED_S3_CONFIG);
  const bucketHost = new URL(opts.bucketEndpoint).host;
  replace(/^\s*listen 80;\n\s*listen \[::\]:80;\n/gm, `    listen 127.0.0.1:${opts.port};\n`);
  replace(/^proxy_cache_path \/var\/cache\/nginx\/outpost /m, `proxy_cache_path ${opts.cacheDir} `);
  replace(/^(\s*server )127\.0\.0\.1:8080;/m, `$1${new URL(opts.upstream).host};`);
  replace(/^(\s*server )127\.0\.0\.1:7480;/m, `$1${bucketHost};`);
  replace(/(set \$outpost_bucket_host )127\.0\.0\.1:7480;/, `$1${bucketHost};`);
  replace(/(set \$outpost_bucket_path )\/outpost\/deploy;/, `$1${opts.bucketPath};`);
  // Tests that watch an entry expire shorten the bound rather than wait a minute.
  if (opts.cacheSeconds !== undefined) replace(/proxy_cache_valid 200 60s;/, `proxy_cache_valid 200 ${opts.cacheSeconds}s;`);
  return conf();
}

export interface RunningNginx {
  url: string;
  prefix: string;
  configFile: string;
  stop(): Promise<void>;
}

/**
 * A real nginx (Debian's) with its own prefix on a free loopback port; no root needed. Serves the
 * shipped outpost.conf, or with `s3` the shipped outpost-s3.conf in front of a bucket.
 */
export async function startNginx(
  opts: { upstream: string; accessLog?: boolean } & ({ publicDir: string; clientMaxBodyMb?: number } | { s3: { bucketEndpoint: string; bucketPath: string; cacheSeconds?: number } }),
): Promise<RunningNginx> {
  const nginx = findTool('nginx');
  if (!nginx) throw new Error('nginx is not installed (Debian: apt-get install nginx)');
  const port = await freePort();
  const prefix = mkdtempSync(path.join(tmpdir(), 'outpost-nginx-'));
  for (const d of ['logs', 'cache', 'tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) mkdirSync(path.join(prefix, d), { recursive: true });
  // The cache is written by nginx's unprivileged workers, as /var/cache/nginx is in production.
  chmodSync(prefix, 0o755);
  chmodSync(path.join(prefix, 'cache'), 0o777);
  const block = 's3' in opts ? renderS3Block({ port, upstream: opts.upstream, cacheDir: path.join(prefix, 'cache'), ...opts.s3 }) : renderServerBlock({ port, ...opts });
  const configFile = path.join(prefix, 'nginx.conf');
  writeFileSync(
    configFile,
    `worker_processes 2;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${opts.accessLog ? `${prefix}/logs/access.log` : 'off'};
    sendfile on;
    client_body_temp_path ${prefix}/tmp/body;
    proxy_temp_path ${prefix}/tmp/proxy;
    fastcgi_temp_path ${prefix}/tmp/fastcgi;
    uwsgi_temp_path ${prefix}/tmp/uwsgi;
    scgi_temp_path ${prefix}/tmp/scgi;
${block}
}
`,
  );
  const check = spawnSync(nginx, ['-t', '-p', prefix, '-c', configFile], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`);
  const child = spawn(nginx, ['-p', prefix, '-c', configFile, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    prefix,
    configFile,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await new Promise((r) => child.once('exit', r));
      }
      if (!opts.accessLog) rmSync(prefix, { recursive: true, force: true });
    },
  };
}
