import { chmodSync } from 'node:fs';
import path from 'node:path';
import { copyDeployment } from '../../src/app/storage-copy.ts';
import { loadConfig } from '../../src/config.ts';
import { openDeployment } from '../../src/storage/objects/deployment.ts';
import { startNginx } from '../helpers/nginx.ts';
import { freePort } from '../helpers/ports.ts';
import { allowPublicReads, newBucket, requireGateway } from '../helpers/s3-gateway.ts';
import { findTool } from '../helpers/system-tools.ts';
import type { BenchContext } from './context.ts';
import { cloneStorage, FIXED_PUBLIC_URL, PASSPHRASE, publishOverHttp, smallXpi } from './fixtures.ts';
import { measure, rps } from './manifest-rps.ts';
import { startOutpost } from './processes.ts';
import { median, times, type Row } from './report.ts';
import type { WrkResult } from './wrk.ts';

const ID = 'bucket@bench.example.org';
const ROUNDS = 3;

/** The turn with the median request rate (its latencies go with it). */
function medianResult(results: readonly WrkResult[]): WrkResult {
  return [...results].sort((a, b) => a.requestsPerSec - b.requestsPerSec)[results.length >> 1]!;
}

/**
 * nginx/outpost-s3.conf in front of a real S3 gateway (a deployment copied there with the storage
 * port), against nginx/outpost.conf serving the same deployment from disk: one add-on's
 * update.rdf, 100 connections, Outpost stopped so that nothing is quietly proxied. After the first
 * request nginx answers from its proxy_cache, which is what the goal is about. Needs the gateway
 * announced as the tests need it (S3_ENDPOINT …; test/helpers/s3-gateway.ts).
 */
export async function benchNginxBucket(ctx: BenchContext): Promise<Row[]> {
  for (const tool of ['wrk', 'nginx']) {
    if (!findTool(tool)) throw new Error(`${tool} is not installed; the bench needs it (Debian: apt-get install ${tool})`);
  }
  const gateway = requireGateway();
  if (!gateway) return [{ benchmark: 'GET update.rdf: nginx from the bucket vs from disk', outpost: '—', reference: '—', ratio: '—', target: '≥ 0.90× (no S3 gateway: skipped)' }];
  const dir = ctx.scratch.tempDir('data-bucket');
  chmodSync(dir, 0o755);
  const storage = await cloneStorage(ctx.template, dir);
  const server = await startOutpost(ctx.scratch, { dataDir: storage, keysDir: ctx.template.keysDir, passphrase: PASSPHRASE, publicUrl: FIXED_PUBLIC_URL }, ctx.logDir);
  try {
    await publishOverHttp(server.url, ctx.template.token, await smallXpi(ID, '1.0'));
  } finally {
    await server.stop();
  }
  const bucket = await newBucket(gateway, 'bench');
  await allowPublicReads(gateway, bucket, 'bench/');
  const config = loadConfig(gateway.env, dir);
  const target = openDeployment({ kind: 's3', bucket, prefix: 'bench/' }, { s3: config.s3 });
  await copyDeployment(openDeployment({ kind: 'folder', dir: storage }, { s3: config.s3 }), target);
  await target.close();

  const upstream = `http://127.0.0.1:${await freePort()}`;
  const docPath = `/updates/${encodeURIComponent(ID)}/update.rdf`;
  // Both nginx run side by side and take turns, ROUNDS times each: on a shared machine the load
  // drifts by tens of percent within a minute, and one measurement of each in sequence compared
  // two different machines. The ratio is that of the medians.
  const nginxes = [
    { label: 'nginx (outpost.conf), update.rdf from disk', opts: { publicDir: path.join(storage, 'public'), upstream } },
    { label: 'nginx (outpost-s3.conf), update.rdf from the bucket, cached', opts: { upstream, s3: { bucketEndpoint: gateway.endpoint, bucketPath: `/${bucket}/bench` } } },
  ] as const;
  const running = [];
  for (const n of nginxes) {
    const nginx = await startNginx(n.opts);
    ctx.scratch.onCleanup(() => nginx.stop());
    running.push({ label: n.label, url: `${nginx.url}${docPath}`, results: [] as WrkResult[] });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of running) r.results.push(await measure(ctx, `${r.label} (round ${round + 1})`, r.url));
  }
  const [disk, cached] = running.map((r) => r.results) as [WrkResult[], WrkResult[]];
  const ratios = cached.map((c, i) => c.requestsPerSec / disk[i]!.requestsPerSec);
  const ratio = median(cached.map((c) => c.requestsPerSec)) / median(disk.map((d) => d.requestsPerSec));
  return [
    {
      benchmark: 'GET update.rdf: nginx from the bucket (proxy_cache) vs from disk',
      outpost: rps(medianResult(cached)),
      reference: `from disk ${rps(medianResult(disk))}`,
      ratio: `${times(ratio)} (median of ${ROUNDS} turns each; turns ${ratios.map(times).join(', ')})`,
      target: '≥ 0.90×',
      pass: ratio >= 0.9,
    },
  ];
}
