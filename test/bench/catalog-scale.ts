import { spawnSync } from 'node:child_process';
import { Agent, get } from 'node:http';
import type { BenchContext } from './context.ts';
import { cloneStorage, FIXED_PUBLIC_URL, PASSPHRASE, publishOverHttp, smallXpi } from './fixtures.ts';
import { startOutpost } from './processes.ts';
import { mb, median, ms, times, type Row } from './report.ts';
import { seedCatalog, seededId } from './seed-catalog.ts';

const ADDONS = 100_000;
const STARTS = 3;
// Each publish is ~20 ms, mostly fsyncs; on a shared VM their jitter swings a median of 5 by
// ±20%, the size of the target itself, hence 25.
const PUBLISHES = 25;
// Uncounted: 1.0 creates the add-on; the next ones decrypt the key (PBKDF2), warm the JIT and let
// the machine settle after the seed.
const WARMUPS = 5;
const TARGET_ID = 'target@bench.example.org';
// Decimal, as the targets are stated.
const MB = 1_000_000;

/**
 * GETs every path once over `concurrency` keep-alive connections (wrk cannot stop after a fixed
 * list). Returns how many answered 200.
 */
async function askEvery(base: string, paths: readonly string[], concurrency = 32): Promise<{ ok: number; failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let ok = 0;
  let failed = 0;
  const worker = async () => {
    for (let i = next++; i < paths.length; i = next++) {
      const status = await new Promise<number>((resolve) => {
        get(`${base}${paths[i]}`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', () => resolve(0));
      });
      if (status === 200) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { ok, failed };
}

/**
 * With 100 000 add-ons against an otherwise empty catalog: cold start (spawn to first good
 * /healthz), memory after every add-on's update.rdf and one adaptive answer of each were asked
 * for (default OUTPOST_CACHE_MB), and publishing a new version of one add-on.
 */
export async function benchCatalogScale(ctx: BenchContext): Promise<Row[]> {
  const bigDir = ctx.scratch.tempDir('data-100k');
  const emptyDir = ctx.scratch.tempDir('data-empty');
  const big = await cloneStorage(ctx.template, bigDir);
  const empty = await cloneStorage(ctx.template, emptyDir);
  let t0 = performance.now();
  await seedCatalog(big, ctx.template.keysDir, ADDONS);
  ctx.log(`  seeded ${ADDONS} add-ons in ${ms(performance.now() - t0)}`);
  // The seed skips fsync; let the kernel finish writing it back, so the cold starts measure reading
  // a settled data folder (as after a restart), not competing with a flush of ~500 MB.
  t0 = performance.now();
  spawnSync('sync', ['-f', big]);
  ctx.log(`  sync: ${ms(performance.now() - t0)}`);
  // One public URL for every run on these folders: a new one would make start-up re-render all.
  const env = (dataDir: string) => ({ dataDir, keysDir: ctx.template.keysDir, passphrase: PASSPHRASE, publicUrl: FIXED_PUBLIC_URL });

  // An uncounted start first, so tsx's transform cache is warm for both sides alike.
  await (await startOutpost(ctx.scratch, env(empty), ctx.logDir)).stop();
  const emptyStarts: number[] = [];
  const bigStarts: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    for (const [dir, starts] of [[empty, emptyStarts], [big, bigStarts]] as const) {
      const server = await startOutpost(ctx.scratch, env(dir), ctx.logDir);
      starts.push(server.startMs);
      await server.stop();
    }
  }
  ctx.log(`  cold starts, empty: ${emptyStarts.map(ms).join(', ')}; ${ADDONS} add-ons: ${bigStarts.map(ms).join(', ')}`);

  const servers = { empty: await startOutpost(ctx.scratch, env(empty), ctx.logDir), big: await startOutpost(ctx.scratch, env(big), ctx.logDir) };
  const samples: Record<keyof typeof servers, number[]> = { empty: [], big: [] };
  let rss: number;
  let hwm: number;
  let asked: number;
  let idle: number;
  let tenth: number;
  try {
    // Every add-on's update.rdf (static document) and the answer Firefox 115 gets from its adaptive
    // URL (planned, rendered and kept): both kinds of cache entry, for every add-on.
    const paths = Array.from({ length: ADDONS }, (_, i) => encodeURIComponent(seededId(i))).flatMap((id) => [
      `/updates/${id}/update.rdf`,
      `/updates/${id}?appID=${encodeURIComponent('{ec8030f7-c20a-464f-9b0e-13a3a9e97384}')}&appVersion=115.0&compatMode=normal`,
    ]);
    t0 = performance.now();
    idle = servers.big.rss();
    // A tenth first: memory after it and after all shows whether it grows with the catalog.
    const first = await askEvery(servers.big.url, paths.slice(0, paths.length / 10));
    tenth = servers.big.rss();
    const rest = await askEvery(servers.big.url, paths.slice(paths.length / 10));
    asked = first.ok + rest.ok;
    rss = servers.big.rss();
    hwm = servers.big.peakRss();
    const failed = first.failed + rest.failed;
    ctx.log(`  asked ${paths.length} manifests in ${ms(performance.now() - t0)} (${failed} failed): RSS idle ${mb(idle)}, after a tenth ${mb(tenth)}, after all ${mb(rss)}, peak ${mb(hwm)}`);
    if (failed > 0) throw new Error(`asking for every manifest went wrong: ${failed} of ${paths.length} requests failed`);

    const xpis = await Promise.all(Array.from({ length: WARMUPS + PUBLISHES }, (_, i) => smallXpi(TARGET_ID, `1.${i}`)));
    // The two servers take turns so that any drift in the machine hits both alike.
    for (let v = 0; v < xpis.length; v++) {
      for (const side of ['empty', 'big'] as const) {
        const elapsed = await publishOverHttp(servers[side].url, ctx.template.token, xpis[v]!);
        if (v >= WARMUPS) samples[side].push(elapsed);
      }
    }
  } finally {
    await servers.empty.stop();
    await servers.big.stop();
  }
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  ctx.log(`  publishes (ms), empty: ${list(samples.empty)}\n                ${ADDONS} add-ons: ${list(samples.big)}`);
  t0 = performance.now();
  ctx.scratch.removeDir(bigDir);
  ctx.scratch.removeDir(emptyDir);
  ctx.log(`  removed the seeded catalog in ${ms(performance.now() - t0)}`);

  const pubBig = median(samples.big);
  const pubEmpty = median(samples.empty);
  const startBig = median(bigStarts);
  const startEmpty = median(emptyStarts);
  return [
    {
      benchmark: `RSS after every manifest of ${ADDONS} add-ons (${asked} requests)`,
      outpost: mb(rss),
      reference: `after a tenth ${mb(tenth)}`,
      ratio: `${rss >= tenth ? '+' : '−'}${mb(Math.abs(rss - tenth))}`,
      target: '≤ 200 MB',
      pass: rss <= 200 * MB,
    },
    { benchmark: '  same server: idle after start; peak (VmHWM)', outpost: `idle ${mb(idle)}`, reference: `peak ${mb(hwm)}`, ratio: '—', target: '(context)' },
    {
      benchmark: `cold start to /healthz, ${ADDONS} add-ons (median of ${STARTS})`,
      outpost: ms(startBig),
      reference: `empty catalog ${ms(startEmpty)}`,
      ratio: times(startBig / startEmpty),
      target: '≤ 2 s',
      pass: startBig <= 2000,
    },
    {
      benchmark: `publish into ${ADDONS} add-ons (median of ${PUBLISHES})`,
      outpost: ms(pubBig),
      reference: `empty catalog ${ms(pubEmpty)}`,
      ratio: times(pubBig / pubEmpty),
      target: '≤ 1.20×',
      pass: pubBig <= 1.2 * pubEmpty,
    },
  ];
}
