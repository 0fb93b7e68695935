import type { BenchContext } from './context.ts';
import { cloneStorage, FIXED_PUBLIC_URL, PASSPHRASE, publishOverHttp, rangedXpi, smallXpi } from './fixtures.ts';
import { startOutpost } from './processes.ts';
import { median, ms, times, type Row } from './report.ts';

const HISTORY = 203;
const AROUND = 2;

/** Publishes versions 1 … HISTORY of one add-on into a fresh server; each publish timed over HTTP (ms). */
async function publishHistory(ctx: BenchContext, label: string, xpi: (i: number) => Promise<Buffer>): Promise<number[]> {
  const dir = ctx.scratch.tempDir(`data-history-${label}`);
  const storage = await cloneStorage(ctx.template, dir);
  const server = await startOutpost(ctx.scratch, { dataDir: storage, keysDir: ctx.template.keysDir, passphrase: PASSPHRASE, publicUrl: FIXED_PUBLIC_URL }, ctx.logDir);
  const elapsed: number[] = [];
  try {
    for (let i = 0; i < HISTORY; i++) elapsed.push(await publishOverHttp(server.url, ctx.template.token, await xpi(i)));
  } finally {
    await server.stop();
    ctx.scratch.removeDir(dir);
  }
  return elapsed;
}

/** The median of the five publishes around the n-th (elapsed[n - 1] is the n-th version's). */
function around(elapsed: readonly number[], n: number): number[] {
  return elapsed.slice(n - 1 - AROUND, n + AROUND);
}

/**
 * Publishing into a long history: versions 1 … 203 of one add-on, each timed over HTTP; version
 * 201 against version 11, each as the median of the five publishes around it. The goal is stated
 * for a Firefox add-on (4 served documents, as the issue measured); an add-on for four
 * applications (10 documents, 5 of them signed) is shown for context.
 */
export async function benchPublishHistory(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [label, xpi] of [
    ['firefox', (i: number) => smallXpi('history@bench.example.org', `1.${i}`)],
    ['4 apps', (i: number) => rangedXpi('history4@bench.example.org', i)],
  ] as const) {
    const elapsed = await publishHistory(ctx, label.replace(' ', ''), xpi);
    const early = median(around(elapsed, 11));
    const late = median(around(elapsed, 201));
    ctx.log(`  ${label}: publishes 9–13 (ms) ${around(elapsed, 11).map((t) => t.toFixed(0)).join(' ')}; 199–203: ${around(elapsed, 201).map((t) => t.toFixed(0)).join(' ')}`);
    ctx.log(`  ${label}: every 25th (ms) ${elapsed.filter((_, i) => i % 25 === 0).map((t) => t.toFixed(0)).join(' ')}`);
    rows.push(
      label === 'firefox'
        ? { benchmark: 'publish version 201 of a Firefox add-on (median of 5)', outpost: ms(late), reference: `version 11 ${ms(early)}`, ratio: times(late / early), target: '≤ 2.00×', pass: late <= 2 * early }
        : { benchmark: '  same, add-on for 4 applications (10 documents)', outpost: ms(late), reference: `version 11 ${ms(early)}`, ratio: times(late / early), target: '(context)' },
    );
  }
  return rows;
}
