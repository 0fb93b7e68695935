import { spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { startNginx } from '../helpers/nginx.ts';
import { findTool } from '../helpers/system-tools.ts';
import type { BenchContext } from './context.ts';
import { BENCH_APPS, cloneStorage, FIXED_PUBLIC_URL, PASSPHRASE, publishOverHttp, rangedXpi, smallXpi } from './fixtures.ts';
import { freePort } from '../helpers/ports.ts';
import { getStatus, startOutpost, stopChild } from './processes.ts';
import { ms, times, type Row } from './report.ts';
import { runWrk, type WrkResult } from './wrk.ts';
import { distinctAppVersionsScript, updateQuery } from './wrk-scripts.ts';

const SECONDS = 10;
const WARMUP_SECONDS = 2;
const CONNECTIONS = 100;
const VERSIONS = 40;
const ADDON_ID = 'rps-ranged@bench.example.org';
/** A one-version add-on: its update.rdf (about 1.4 kB) is the static reference, as in earlier runs. */
const SMALL_ID = 'rps@bench.example.org';

export async function measure(ctx: BenchContext, label: string, url: string, script?: string): Promise<WrkResult> {
  const status = await getStatus(url);
  if (status !== 200) throw new Error(`${label} answers ${status} for ${url}`);
  // Let the JIT and both sides' caches settle before the counted run.
  await runWrk(ctx.scratch, url, { seconds: WARMUP_SECONDS, connections: CONNECTIONS, threads: 2, ...(script ? { script } : {}) });
  const result = await runWrk(ctx.scratch, url, { seconds: SECONDS, connections: CONNECTIONS, threads: 2, ...(script ? { script } : {}) });
  ctx.log(`  ${label}: ${result.requestsPerSec.toFixed(0)} req/s, p50 ${ms(result.p50Ms)}, p99 ${ms(result.p99Ms)}, ${result.requests} requests, ${result.errors} errors`);
  if (result.errors > 0) throw new Error(`${label}: wrk saw ${result.errors} errors or non-2xx answers; the figure would be meaningless`);
  return result;
}

/**
 * What Node itself can do on this machine: node:http answering with the same bytes from memory, no
 * framework, no disk, no log. Context for the Outpost figures, not a target.
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

export const rps = (r: WrkResult) => `${r.requestsPerSec.toFixed(0)} req/s, p99 ${ms(r.p99Ms)}`;

/**
 * At 100 connections, from the Outpost process as `npm start` runs it: a one-version add-on's
 * static update.rdf (the reference), and the adaptive URL of an add-on with 40 versions × 4
 * applications (one client kind; 60 000 distinct appVersions); that add-on's own update.rdf
 * (98 kB) for context. Then the static file from nginx with the shipped config, with Outpost
 * stopped so that a request nginx failed to serve from disk becomes a 502 instead of silently
 * measuring the proxy; and the adaptive URL through nginx, which passes it to Outpost.
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
  const id = encodeURIComponent(ADDON_ID);
  const staticPath = `/updates/${encodeURIComponent(SMALL_ID)}/update.rdf`;
  const bigStaticPath = `/updates/${id}/update.rdf`;
  const oneKindPath = `/updates/${id}?${updateQuery(ADDON_ID, BENCH_APPS.seamonkey, '2.53.1', 'strict')}`;
  const script = distinctAppVersionsScript(dir, ADDON_ID);
  const env = { dataDir: storage, keysDir: ctx.template.keysDir, passphrase: PASSPHRASE, publicUrl: FIXED_PUBLIC_URL };
  try {
    let expected: Buffer;
    let staticRun: WrkResult;
    let bigStatic: WrkResult;
    let oneKind: WrkResult;
    let distinct: WrkResult;
    const server = await startOutpost(ctx.scratch, env, ctx.logDir);
    try {
      await publishOverHttp(server.url, ctx.template.token, await smallXpi(SMALL_ID, '1.0'));
      for (let i = 0; i < VERSIONS; i++) await publishOverHttp(server.url, ctx.template.token, await rangedXpi(ADDON_ID, i));
      expected = Buffer.from(await (await fetch(`${server.url}${staticPath}`)).arrayBuffer());
      const big = (await fetch(`${server.url}${bigStaticPath}`)).headers.get('content-length');
      const one = (await fetch(`${server.url}${oneKindPath}`)).headers.get('content-length');
      ctx.log(`  update.rdf: ${expected.length} bytes (1 version), ${big} bytes (${VERSIONS} versions × 4 applications); one client kind's answer ${one} bytes`);
      staticRun = await measure(ctx, 'Outpost, static update.rdf (1 version)', `${server.url}${staticPath}`);
      bigStatic = await measure(ctx, `Outpost, static update.rdf (${VERSIONS} versions × 4 applications)`, `${server.url}${bigStaticPath}`);
      oneKind = await measure(ctx, 'Outpost, adaptive URL, one client kind (SeaMonkey 2.53.1, strict)', `${server.url}${oneKindPath}`);
      distinct = await measure(ctx, 'Outpost, adaptive URL, 60 000 distinct appVersions', `${server.url}${oneKindPath}`, script);
    } finally {
      await server.stop();
    }

    let viaNginx: WrkResult;
    let proxied: WrkResult;
    const upstreamPort = await freePort();
    const nginx = await startNginx({ publicDir: path.join(storage, 'public'), upstream: `http://127.0.0.1:${upstreamPort}` });
    const stopNginx = ctx.scratch.onCleanup(() => nginx.stop());
    try {
      const served = Buffer.from(await (await fetch(`${nginx.url}${staticPath}`)).arrayBuffer());
      if (!served.equals(expected)) throw new Error('nginx does not serve the same update.rdf as Outpost');
      viaNginx = await measure(ctx, 'nginx (shipped config), static update.rdf, Outpost stopped', `${nginx.url}${staticPath}`);
      // Outpost back on the port nginx proxies to, for the queries nginx cannot answer from disk.
      const again = await startOutpost(ctx.scratch, { ...env, port: upstreamPort }, ctx.logDir);
      try {
        proxied = await measure(ctx, 'nginx → Outpost, adaptive URL, one client kind', `${nginx.url}${oneKindPath}`);
      } finally {
        await again.stop();
      }
    } finally {
      await stopNginx();
    }
    const bare = await measureBareNode(ctx, path.join(storage, 'public', 'updates', ADDON_ID, 'update.rdf'));

    const vs = (r: WrkResult) => times(r.requestsPerSec / staticRun.requestsPerSec);
    return [
      {
        benchmark: `GET adaptive URL, one client kind, ${CONNECTIONS} conns, ${SECONDS} s`,
        outpost: rps(oneKind),
        reference: `static update.rdf ${rps(staticRun)}`,
        ratio: vs(oneKind),
        target: '≥ 0.80×, p99 ≤ 10 ms',
        pass: oneKind.requestsPerSec >= 0.8 * staticRun.requestsPerSec && oneKind.p99Ms <= 10,
      },
      {
        benchmark: 'GET adaptive URL, 60 000 distinct appVersions (wrk Lua)',
        outpost: rps(distinct),
        reference: `static update.rdf ${rps(staticRun)}`,
        ratio: vs(distinct),
        target: '≥ 0.50×, p99 ≤ 20 ms',
        pass: distinct.requestsPerSec >= 0.5 * staticRun.requestsPerSec && distinct.p99Ms <= 20,
      },
      {
        // nginx must really answer from disk: had it proxied, it could not be faster than Outpost.
        benchmark: 'GET update.rdf through nginx (shipped config)',
        outpost: `nginx ${rps(viaNginx)}`,
        reference: `Outpost ${rps(staticRun)}`,
        ratio: times(viaNginx.requestsPerSec / staticRun.requestsPerSec),
        target: '≥ 1.00×',
        pass: viaNginx.requestsPerSec >= staticRun.requestsPerSec,
      },
      { benchmark: `  static update.rdf of the ${VERSIONS} × 4 add-on`, outpost: rps(bigStatic), reference: `1 version ${rps(staticRun)}`, ratio: vs(bigStatic), target: '(context)' },
      { benchmark: '  Outpost static update.rdf vs nginx', outpost: rps(staticRun), reference: `nginx ${rps(viaNginx)}`, ratio: times(staticRun.requestsPerSec / viaNginx.requestsPerSec), target: '(context)' },
      { benchmark: '  adaptive URL through nginx (proxied)', outpost: rps(proxied), reference: `direct ${rps(oneKind)}`, ratio: times(proxied.requestsPerSec / oneKind.requestsPerSec), target: '(context)' },
      { benchmark: '  bare node:http, same bytes from memory', outpost: rps(bare), reference: `Outpost ${rps(staticRun)}`, ratio: times(bare.requestsPerSec / staticRun.requestsPerSec), target: '(context)' },
    ];
  } finally {
    ctx.scratch.removeDir(dir);
  }
}
