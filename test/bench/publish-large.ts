import { readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchContext } from './context.ts';
import { cloneStorage, PASSPHRASE, smallXpi, writeLargeXpi } from './fixtures.ts';
import { startOutpost, timedCommand, type OutpostProcess } from './processes.ts';
import { mb, median, ms, times, type Row } from './report.ts';

// Decimal units, as the issue states its targets: 200 MB is 200 000 000 bytes, and so is RSS.
const MB = 1_000_000;
const TIMED_RUNS = 5;
const RSS_RUNS = 2;

/**
 * How the package is sent. `body`: what `outpost publish` sends (the file as the request body,
 * its name in the query), here by curl, which streams it from disk without Node's start-up.
 * `multipart`: curl -F, as a user publishing from a shell or a browser form would.
 */
type Form = 'body' | 'multipart';

async function curlPublish(ctx: BenchContext, server: OutpostProcess, xpi: string, label: string, form: Form): Promise<number> {
  const responseFile = path.join(ctx.logDir, `response-${label}.json`);
  const send =
    form === 'body'
      ? ['-X', 'POST', '-H', 'Content-Type: application/octet-stream', '-T', xpi, `${server.url}/api/v1/packages?name=${encodeURIComponent(path.basename(xpi))}`]
      : ['-F', `package=@${xpi};type=application/x-xpinstall`, `${server.url}/api/v1/packages`];
  const curl = await timedCommand(ctx.scratch, 'curl', [
    '-sS', '--max-time', '300', '-o', responseFile, '-w', '%{http_code}',
    '-H', `Authorization: Bearer ${ctx.template.token}`,
    ...send,
  ]);
  if (curl.code !== 0 || curl.stdout !== '201') {
    const body = (() => { try { return readFileSync(responseFile, 'utf8'); } catch { return ''; } })();
    throw new Error(`publish of ${path.basename(xpi)} failed (curl exit ${curl.code}, HTTP ${curl.stdout}): ${curl.stderr}${body}`);
  }
  return curl.ms;
}

/**
 * One publish into a fresh server process on a fresh copy of the data folder. `warm`: publish a
 * tiny add-on first, so the timed publish does not include what a server pays once per process
 * (decrypting the key, ~0.2 s of PBKDF2, and the JIT's first pass). Memory runs stay cold, so
 * VmHWM is start-up plus exactly this upload.
 */
async function publishFresh(ctx: BenchContext, xpi: string, label: string, warm: boolean, form: Form = 'body') {
  const dir = ctx.scratch.tempDir(`data-${label}`);
  const storage = await cloneStorage(ctx.template, dir);
  const server = await startOutpost(ctx.scratch, { dataDir: storage, keysDir: ctx.template.keysDir, passphrase: PASSPHRASE, maxUploadMb: 1024 }, ctx.logDir);
  try {
    const idleRss = server.rss();
    if (warm) {
      const warmup = path.join(dir, 'warmup.xpi');
      await writeFile(warmup, await smallXpi('warmup@bench.example.org', '1.0'));
      await curlPublish(ctx, server, warmup, `${label}-warmup`, form);
    }
    const elapsed = await curlPublish(ctx, server, xpi, label, form);
    return { ms: elapsed, idleRss, peakRss: server.peakRss() };
  } finally {
    await server.stop();
    ctx.scratch.removeDir(dir);
  }
}

export async function benchLargePublish(ctx: BenchContext): Promise<Row[]> {
  const dir = ctx.scratch.tempDir('xpi');
  const big = path.join(dir, 'large-200MB.xpi');
  const small = path.join(dir, 'large-20MB.xpi');
  const huge = path.join(dir, 'large-600MB.xpi');
  const t0 = performance.now();
  await writeLargeXpi(big, { id: 'large@bench.example.org', version: '1.0', bytes: 200 * MB });
  await writeLargeXpi(small, { id: 'large@bench.example.org', version: '1.0', bytes: 20 * MB });
  await writeLargeXpi(huge, { id: 'large@bench.example.org', version: '1.0', bytes: 600 * MB });
  ctx.log(`  generated ${mb(statSync(big).size)}, ${mb(statSync(small).size)} and ${mb(statSync(huge).size)} XPIs in ${ms(performance.now() - t0)}`);

  // Both sides read the file from the page cache: the first hash run warms it. openssl uses the
  // CPU's SHA extensions as Node's crypto does, so it is the fair "just hash the file" reference.
  await timedCommand(ctx.scratch, 'openssl', ['dgst', '-sha256', big]);
  const shaRuns: number[] = [];
  for (let i = 0; i < TIMED_RUNS; i++) {
    const r = await timedCommand(ctx.scratch, 'openssl', ['dgst', '-sha256', big]);
    if (r.code !== 0) throw new Error(`openssl dgst failed: ${r.stderr}`);
    shaRuns.push(r.ms);
  }
  ctx.log(`  openssl dgst -sha256: ${shaRuns.map(ms).join(', ')}`);

  // The two forms take turns, so a slow spell of a shared machine falls on both, and go first
  // in turn: on this virtual machine whichever went first in a pair was 0.2 s slower (see README).
  const timed = [];
  const timedMultipart = [];
  for (let i = 0; i < TIMED_RUNS; i++) {
    const body = () => publishFresh(ctx, big, `timed-${i}`, true);
    const multipart = () => publishFresh(ctx, big, `timed-multipart-${i}`, true, 'multipart');
    if (i % 2 === 0) {
      timed.push(await body());
      timedMultipart.push(await multipart());
    } else {
      timedMultipart.push(await multipart());
      timed.push(await body());
    }
  }
  ctx.log(`  200 MB publishes (warm server), body form: ${timed.map((r) => ms(r.ms)).join(', ')}`);
  ctx.log(`  200 MB publishes (warm server), multipart: ${timedMultipart.map((r) => ms(r.ms)).join(', ')}`);
  const bigRss = [];
  const smallRss = [];
  const hugeRss = [];
  for (let i = 0; i < RSS_RUNS; i++) {
    bigRss.push(await publishFresh(ctx, big, `rss200-${i}`, false));
    smallRss.push(await publishFresh(ctx, small, `rss20-${i}`, false));
    hugeRss.push(await publishFresh(ctx, huge, `rss600-${i}`, false));
  }
  ctx.log(`  200 MB publishes (fresh server): ${bigRss.map((r) => `${ms(r.ms)}, idle ${mb(r.idleRss)} → peak ${mb(r.peakRss)}`).join('; ')}`);
  ctx.log(`  20 MB publishes (fresh server): ${smallRss.map((r) => `${ms(r.ms)}, idle ${mb(r.idleRss)} → peak ${mb(r.peakRss)}`).join('; ')}`);
  ctx.log(`  600 MB publishes (fresh server): ${hugeRss.map((r) => `${ms(r.ms)}, idle ${mb(r.idleRss)} → peak ${mb(r.peakRss)}`).join('; ')}`);
  ctx.scratch.removeDir(dir);

  const publishMs = median(timed.map((r) => r.ms));
  const multipartMs = median(timedMultipart.map((r) => r.ms));
  const shaMs = median(shaRuns);
  // The worst run counts for memory: a peak is a peak.
  const bigPeak = Math.max(...bigRss.map((r) => r.peakRss));
  const smallPeak = Math.max(...smallRss.map((r) => r.peakRss));
  const hugePeak = Math.max(...hugeRss.map((r) => r.peakRss));
  const idle = median([...bigRss, ...smallRss].map((r) => r.idleRss));
  return [
    {
      benchmark: `publish 200 MB XPI via HTTP, body form (median of ${TIMED_RUNS})`,
      outpost: ms(publishMs),
      reference: `openssl dgst -sha256 ${ms(shaMs)}`,
      ratio: times(publishMs / shaMs),
      target: '≤ 3.00×',
      pass: publishMs <= 3 * shaMs,
    },
    {
      benchmark: '  same, multipart (curl -F)',
      outpost: ms(multipartMs),
      reference: `openssl dgst -sha256 ${ms(shaMs)}`,
      ratio: times(multipartMs / shaMs),
      target: '(context)',
    },
    {
      benchmark: 'server peak RSS (VmHWM), 200 MB publish',
      outpost: mb(bigPeak),
      reference: `idle after start ${mb(idle)}`,
      ratio: times(bigPeak / idle),
      target: '≤ 150 MB',
      pass: bigPeak <= 150 * MB,
    },
    {
      // Streaming means memory does not follow package size. Below V8's external-memory GC
      // threshold (64 MiB of dead buffers) a small upload simply ends before any collection,
      // so 20 → 200 MB shows that fixed slack; 200 → 600 MB shows whether anything grows.
      benchmark: 'peak RSS growth, 200 MB → 600 MB XPI',
      outpost: `600 MB: ${mb(hugePeak)}`,
      reference: `200 MB: ${mb(bigPeak)}`,
      ratio: `${hugePeak >= bigPeak ? '+' : '−'}${mb(Math.abs(hugePeak - bigPeak))}`,
      target: '≤ +10 MB',
      pass: hugePeak <= bigPeak + 10 * MB,
    },
    {
      benchmark: '  same, 20 MB → 200 MB (GC slack, see README)',
      outpost: `200 MB: ${mb(bigPeak)}`,
      reference: `20 MB: ${mb(smallPeak)}`,
      ratio: `${bigPeak >= smallPeak ? '+' : '−'}${mb(Math.abs(bigPeak - smallPeak))}`,
      target: '(context)',
    },
  ];
}
