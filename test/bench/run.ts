/**
 * `npm run bench` (tsx test/bench/run.ts [publish] [rps] [catalog]): performance goals measured
 * side by side with references in the same run, then one table. See README.md in this folder.
 * Exit code: 0 when every target is met, 1 when one is missed or a benchmark failed.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { benchCatalogScale } from './catalog-scale.ts';
import type { BenchContext } from './context.ts';
import { makeTemplate } from './fixtures.ts';
import { cpuTimes, describeMachine, machineInfo, stealPercent } from './machine.ts';
import { benchManifestRps } from './manifest-rps.ts';
import { benchNginxBucket } from './nginx-bucket.ts';
import { benchBucketPublish } from './bucket-publish.ts';
import { benchPublishHistory } from './publish-history.ts';
import { buildForServers } from './build.ts';
import { Scratch } from './processes.ts';
import { benchLargePublish } from './publish-large.ts';
import { formatTable, ms, type Row } from './report.ts';

const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<Row[]>> = {
  publish: benchLargePublish,
  rps: benchManifestRps,
  history: benchPublishHistory,
  catalog: benchCatalogScale,
  bucket: async (ctx) => [...(await benchNginxBucket(ctx)), ...(await benchBucketPublish(ctx))],
};
// Above the 6–8 minutes a run takes on 2 cores: only a hang gets here.
const WATCHDOG_MS = 12 * 60_000;

const log = (message: string) => process.stderr.write(`${message}\n`);

async function main(names: string[]): Promise<number> {
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) {
    log(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`);
    return 2;
  }
  const selected = names.length ? names : Object.keys(BENCHMARKS);
  const scratch = new Scratch();
  let stopping = false;
  const abort = (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`\n${why}: stopping the servers and removing temp files…`);
    void scratch.cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));
  const watchdog = setTimeout(() => abort(`the bench ran longer than ${WATCHDOG_MS / 60_000} minutes`, 2), WATCHDOG_MS);

  const machine = `${describeMachine(machineInfo())}; servers run ${buildForServers(log)}`;
  log(`Outpost bench on ${machine}`);
  const rows: Row[] = [];
  const started = performance.now();
  const cpuAtStart = cpuTimes();
  try {
    const work = scratch.tempDir('run');
    const logDir = path.join(work, 'logs');
    mkdirSync(logDir);
    const template = await makeTemplate(path.join(work, 'template'));
    const ctx: BenchContext = { scratch, template, logDir, log };
    for (const name of selected) {
      log(`\n== ${name}`);
      const t0 = performance.now();
      const cpu0 = cpuTimes();
      try {
        rows.push(...(await BENCHMARKS[name]!(ctx)));
      } catch (err) {
        log(`  FAILED: ${(err as Error).stack ?? String(err)}`);
        rows.push({ benchmark: `${name} (failed, see above)`, outpost: 'error', reference: '—', ratio: '—', target: '—', pass: false });
      }
      log(`  (${ms(performance.now() - t0)}, CPU steal ${stealPercent(cpu0, cpuTimes())})`);
    }
  } finally {
    clearTimeout(watchdog);
    await scratch.cleanup();
  }
  const steal = stealPercent(cpuAtStart, cpuTimes());
  process.stdout.write(
    `\nMachine: ${machine}\nTotal time: ${ms(performance.now() - started)}; CPU steal by the hypervisor during the run: ${steal}\n\n${formatTable(rows)}\n`,
  );
  return rows.every((r) => r.pass !== false) ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
