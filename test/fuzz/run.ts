/**
 * Runs every jsfuzz target (or the ones named) for a fixed time each, one after the other, and
 * exits non-zero when any of them crashed, hung or ran out of memory.
 *
 *   npm run fuzz                          60 s per target (FUZZ_SECONDS overrides the default)
 *   npm run fuzz -- --seconds 30 zip xpi  30 s for the zip and xpi targets only
 *   npm run fuzz -- --replay jpl <file>   one input through one target, in this process
 *
 * Each target works in test-output/fuzz/<target>/ on a copy of its committed corpus, so the
 * inputs jsfuzz finds interesting never grow test/fuzz/corpus/; a finding is left there as
 * `crash`. Copy a minimal version of it to test/fuzz/regressions/<target>/ and the corpus replay
 * test keeps checking it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runWithinBounds, type FuzzTarget } from './bounds.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const requireFromJsfuzz = createRequire(createRequire(import.meta.url).resolve('jsfuzz/package.json'));
const jsfuzzMain = requireFromJsfuzz.resolve('jsfuzz');
/** jsfuzz looks at a running input every 3 s; past this it kills the worker and reports a hang. */
const HANG_KILL_SECONDS = 10;
/** jsfuzz's own limit (and the worker's V8 heap); the 256 MiB per-input bound is checked in-process. */
const RSS_LIMIT_MB = 1024;

function targetNames(): string[] {
  return readdirSync(path.join(here, 'targets'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

interface Outcome {
  target: string;
  ok: boolean;
  stats: string;
  coverage: string;
  crash?: string;
}

/** Statement, branch and function coverage of the src/ files the target loaded. */
function srcCoverage(covFile: string): string {
  if (!existsSync(covFile)) return 'no coverage dump';
  const { createCoverageMap } = requireFromJsfuzz('istanbul-lib-coverage');
  const all = JSON.parse(readFileSync(covFile, 'utf8')) as Record<string, unknown>;
  const srcDir = path.join(root, 'src') + path.sep;
  const map = createCoverageMap(Object.fromEntries(Object.entries(all).filter(([file]) => file.startsWith(srcDir))));
  const s = map.getCoverageSummary();
  const pct = (m: { covered: number; total: number; pct: number }) => `${m.pct}% (${m.covered}/${m.total})`;
  return `src files loaded: ${map.files().length}; statements ${pct(s.statements)}, branches ${pct(s.branches)}, functions ${pct(s.functions)}`;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal); // the group holds jsfuzz and its worker, nothing else
  } catch {
    // already gone
  }
}

let running: ChildProcess | undefined;
process.on('SIGINT', () => {
  if (running) killGroup(running, 'SIGKILL');
  process.exit(130);
});

function fuzzOne(target: string, seconds: number): Promise<Outcome> {
  const workDir = path.join(root, 'test-output', 'fuzz', target);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  cpSync(path.join(here, 'corpus', target), path.join(workDir, 'corpus'), { recursive: true });
  const crash = path.join(workDir, 'crash');
  const entry = path.relative(workDir, path.join(here, 'jsfuzz-entry.cjs')); // jsfuzz joins it to its cwd
  // --no-versifier: jsfuzz's versifier (its generator for text protocols) runs in the parent
  // process and on some inputs grows to gigabytes and blocks it for tens of seconds, which jsfuzz
  // then misreports as a hang of the input.
  const args = [jsfuzzMain, entry, 'corpus', '--no-versifier', '--timeout', String(HANG_KILL_SECONDS), '--rss-limit-mb', String(RSS_LIMIT_MB), '--exact-artifact-path', 'crash'];
  const child = spawn(process.execPath, args, {
    cwd: workDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OUTPOST_FUZZ_TARGET: target, OUTPOST_FUZZ_ARTIFACT: crash },
  });
  running = child;
  let stats = '';
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      if (/^#\d+ /.test(line)) stats = line;
      console.log(`[${target}] ${line}`);
    }
  };
  child.stdout!.on('data', forward);
  child.stderr!.on('data', forward);

  return new Promise((resolve) => {
    let stopping = false;
    // SIGINT makes the jsfuzz worker dump its coverage and exit after the current input; an input
    // that never finishes keeps it from doing so, hence the SIGKILL after a grace period.
    const stop = setTimeout(() => {
      stopping = true;
      killGroup(child, 'SIGINT');
      setTimeout(() => killGroup(child, 'SIGKILL'), (HANG_KILL_SECONDS + 5) * 1000).unref();
    }, seconds * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(stop);
      killGroup(child, 'SIGKILL');
      running = undefined;
      const crashed = existsSync(crash);
      resolve({
        target,
        // After SIGINT a healthy jsfuzz exits by itself with 0; anything else is a failed run.
        ok: stopping && !crashed && code === 0 && signal === null,
        stats,
        coverage: srcCoverage(path.join(workDir, '.nyc_output', 'cov.json')),
        ...(crashed ? { crash } : {}),
      });
    });
  });
}

async function replay(target: string, file: string): Promise<void> {
  const mod = (await import(pathToFileURL(path.join(here, 'targets', `${target}.ts`)).href)) as { fuzz: FuzzTarget };
  await runWithinBounds(mod.fuzz, readFileSync(file));
  console.log(`${file}: no finding`);
}

function parseArgs(argv: string[]): { seconds: number; targets: string[] } {
  let seconds = Number(process.env.FUZZ_SECONDS ?? 60);
  const targets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seconds') seconds = Number(argv[++i]);
    else targets.push(argv[i]!);
  }
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds needs a positive number');
  const unknown = targets.filter((t) => !targetNames().includes(t));
  if (unknown.length > 0) throw new Error(`unknown target(s) ${unknown.join(', ')}; known: ${targetNames().join(', ')}`);
  return { seconds, targets: targets.length > 0 ? targets : targetNames() };
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--replay') {
    await replay(argv[1]!, argv[2]!);
    return 0;
  }
  const { seconds, targets } = parseArgs(argv);
  const outcomes: Outcome[] = [];
  for (const target of targets) outcomes.push(await fuzzOne(target, seconds));
  console.log(`\nfuzzing summary (${seconds} s per target)`);
  for (const o of outcomes) {
    console.log(`${o.ok ? 'ok  ' : 'FAIL'} ${o.target}: ${o.stats.replace(/\s+/g, ' ')}`);
    console.log(`     ${o.coverage}`);
    if (o.crash) {
      const input = readFileSync(o.crash);
      console.log(`     input: ${path.relative(root, o.crash)} (${input.length} bytes) ${JSON.stringify(input.subarray(0, 120).toString('latin1'))}`);
      console.log(`     reproduce: npm run fuzz -- --replay ${o.target} ${path.relative(root, o.crash)}`);
    } else if (!o.ok) {
      console.log('     the fuzzer did not run to the end or did not stop cleanly, and wrote no input; see its output above');
    }
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
