import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findTool } from './system-tools.ts';
import { freePort } from './ports.ts';

export const SHIPPED_CONFIG = path.resolve(import.meta.dirname, '../../nginx/outpost.conf');


/**
 * The shipped server block with only its deployment values replaced (listen address, root,
 * upstream, body size), so tests exercise the file users install.
 */
export function renderServerBlock(opts: { port: number; publicDir: string; upstream: string; clientMaxBodyMb?: number }): string {
  const upstream = new URL(opts.upstream).host;
  let conf = readFileSync(SHIPPED_CONFIG, 'utf8');
  const replace = (pattern: RegExp, value: string) => {
    if (!conf.match(pattern)) throw new Error(`nginx/outpost.conf no longer has ${pattern}`);
    conf = conf.replace(pattern, value);
  };
  // Every server block (the update host and the Jami store host) listens on the test port;
  // nginx tells them apart by Host header.
  replace(/^\s*listen 80;\n\s*listen \[::\]:80;\n/gm, `    listen 127.0.0.1:${opts.port};\n`);
  replace(/^(\s*root )\/var\/lib\/outpost\/storage\/public;/m, `$1${opts.publicDir};`);
  replace(/^(\s*server )127\.0\.0\.1:8080;/m, `$1${upstream};`);
  if (opts.clientMaxBodyMb !== undefined) replace(/client_max_body_size 256m;/, `client_max_body_size ${opts.clientMaxBodyMb}m;`);
  return conf;
}

export interface RunningNginx {
  url: string;
  prefix: string;
  configFile: string;
  stop(): Promise<void>;
}

/** A real nginx (Debian's) with its own prefix on a free loopback port; no root needed. */
export async function startNginx(opts: { publicDir: string; upstream: string; clientMaxBodyMb?: number }): Promise<RunningNginx> {
  const nginx = findTool('nginx');
  if (!nginx) throw new Error('nginx is not installed (Debian: apt-get install nginx)');
  const port = await freePort();
  const prefix = mkdtempSync(path.join(tmpdir(), 'outpost-nginx-'));
  for (const d of ['logs', 'tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) mkdirSync(path.join(prefix, d), { recursive: true });
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
    access_log off;
    sendfile on;
    client_body_temp_path ${prefix}/tmp/body;
    proxy_temp_path ${prefix}/tmp/proxy;
    fastcgi_temp_path ${prefix}/tmp/fastcgi;
    uwsgi_temp_path ${prefix}/tmp/uwsgi;
    scgi_temp_path ${prefix}/tmp/scgi;
${renderServerBlock({ port, ...opts })}
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
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
