import { spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { startNginx } from '../helpers/nginx.ts';
import { findTool } from '../helpers/system-tools.ts';
import type { BenchContext } from './context.ts';
import { cloneStorage, PASSPHRASE, smallXpi } from './fixtures.ts';
import { freePort } from '../helpers/ports.ts';
import { getStatus, startOutpost, stopChild } from './processes.ts';
import { ms, times, type Row } from './report.ts';
import { runWrk, type WrkResult } from './wrk.ts';

const SECONDS = 10;
const WARMUP_SECONDS = 2;
const CONNECTIONS = 100;
const ADDON_ID = 'rps@bench.example.org';

async function measure(ctx: BenchContext, label: string, url: string): Promise<WrkResult> {
  const status = await getStatus(url);
  if (status !== 200) throw new Error(`${label} answers ${status} for ${url}`);
  // Let the JIT and both sides' caches settle before the counted run.
  await runWrk(ctx.scratch, url, { seconds: WARMUP_SECONDS, connections: CONNECTIONS, threads: 2 });
  const result = await runWrk(ctx.scratch, url, { seconds: SECONDS, connections: CONNECTIONS, threads: 2 });
  ctx.log(`  ${label}: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${ms(result.p50Ms)}, p99 ${ms(result.p99Ms)}, ${result.requests} requests, ${result.errors} errors`);
  if (result.errors > 0) throw new Error(`${label}: wrk saw ${result.errors} errors or non-2xx answers; the figure would be meaningless`);
  return result;
}

/**
 * What Node itself can do on this machine: node:http answering with the same bytes from memory, no
 * framework, no disk, no log. Context for the Express figure, not a target.
 */
async function measureBareNode(ctx: BenchContext, file: string): Promise<WrkResult> {
  const port = await freePort();
  const code = `const body = require('node:fs').readFileSync(process.argv[1]);
require('node:http').createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': body.length, 'cache-control': 'public, max-age=60' });
  res.end(body);
}).listen(Number(process.argv[2]), '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', code, file, String(port)], { stdio: 'ignore' });
  ctx.scratch.track(child);
  try {
    const url = `http://127.0.0.1:${port}/update.rdf`;
    for (let i = 0; ; i++) {
      try {
        await getStatus(url);
        break;
      } catch (err) {
        if (i > 200) throw err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    return await measure(ctx, 'bare node:http from memory', url);
  } finally {
    await stopChild(child);
  }
}

/**
 * GET update.rdf at 100 connections: the Outpost process (as `npm start` runs it, and once more
 * with its request log off), then nginx with the shipped config serving the same file from disk.
 * Only one server runs at a time. Outpost is stopped before nginx runs, so a request that nginx
 * failed to serve from disk (and passed upstream) becomes a 502 and fails the benchmark instead of
 * silently measuring the proxy.
 */
export async function benchManifestRps(ctx: BenchContext): Promise<Row[]> {
  for (const tool of ['wrk', 'nginx']) {
    if (!findTool(tool)) throw new Error(`${tool} is not installed; the bench needs it (Debian: apt-get install ${tool})`);
  }
  const dir = ctx.scratch.tempDir('data-rps');
  // nginx started as root runs its workers as "nobody": as in a real install, the path to the
  // public tree must be traversable by them (mkdtemp makes it 0700). private/ stays 0700.
  chmodSync(dir, 0o755);
  const storage = await cloneStorage(ctx.template, dir);
  const manifestPath = `/updates/${encodeURIComponent(ADDON_ID)}/update.rdf`;
  const env = { dataDir: storage, keysDir: ctx.template.keysDir, passphrase: PASSPHRASE };
  try {
    let upstream: string;
    let expected: Buffer;
    let express: WrkResult;
    let quiet: WrkResult;
    const server = await startOutpost(ctx.scratch, env, ctx.logDir);
    try {
      upstream = server.url;
      const form = new FormData();
      form.set('package', new Blob([new Uint8Array(await smallXpi(ADDON_ID, '1.0'))]), 'rps.xpi');
      const res = await fetch(`${server.url}/api/v1/packages`, { method: 'POST', body: form, headers: { authorization: `Bearer ${ctx.template.token}` } });
      if (res.status !== 201) throw new Error(`publishing the rps fixture failed: HTTP ${res.status} ${await res.text()}`);
      expected = Buffer.from(await (await fetch(`${server.url}${manifestPath}`)).arrayBuffer());
      express = await measure(ctx, 'Outpost (Express, log level info)', `${server.url}${manifestPath}`);
    } finally {
      await server.stop();
    }
    const quietServer = await startOutpost(ctx.scratch, { ...env, logLevel: 'warn' }, ctx.logDir);
    try {
      quiet = await measure(ctx, 'Outpost (Express, log level warn)', `${quietServer.url}${manifestPath}`);
    } finally {
      await quietServer.stop();
    }

    const nginx = await startNginx({ publicDir: path.join(storage, 'public'), upstream });
    const stopNginx = ctx.scratch.onCleanup(() => nginx.stop());
    let viaNginx: WrkResult;
    try {
      const served = Buffer.from(await (await fetch(`${nginx.url}${manifestPath}`)).arrayBuffer());
      if (!served.equals(expected)) throw new Error('nginx does not serve the same update.rdf as Outpost');
      viaNginx = await measure(ctx, 'nginx (shipped config)', `${nginx.url}${manifestPath}`);
    } finally {
      await stopNginx();
    }
    const bare = await measureBareNode(ctx, path.join(storage, 'public', 'updates', ADDON_ID, 'update.rdf'));

    const rps = (r: WrkResult) => `${r.requestsPerSec.toFixed(0)} req/s`;
    const vsNginx = (r: WrkResult) => times(r.requestsPerSec / viaNginx.requestsPerSec);
    return [
      {
        benchmark: `GET update.rdf req/s, ${CONNECTIONS} conns, ${SECONDS} s`,
        outpost: rps(express),
        reference: `nginx ${rps(viaNginx)}`,
        ratio: vsNginx(express),
        target: '≥ 0.50×',
        pass: express.requestsPerSec >= 0.5 * viaNginx.requestsPerSec,
      },
      {
        benchmark: `GET update.rdf p99 latency, ${CONNECTIONS} conns`,
        outpost: ms(express.p99Ms),
        reference: `nginx ${ms(viaNginx.p99Ms)}`,
        ratio: times(express.p99Ms / viaNginx.p99Ms),
        target: '(reported)',
      },
      { benchmark: '  same, Outpost with log level warn', outpost: rps(quiet), reference: `nginx ${rps(viaNginx)}`, ratio: vsNginx(quiet), target: '(context)' },
      { benchmark: '  same, bare node:http from memory', outpost: rps(bare), reference: `nginx ${rps(viaNginx)}`, ratio: vsNginx(bare), target: '(context)' },
    ];
  } finally {
    ctx.scratch.removeDir(dir);
  }
}
