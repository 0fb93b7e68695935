import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_INPUT_MS, MAX_INPUT_RSS_GROWTH_BYTES, type FuzzTarget } from './bounds.ts';

/**
 * Every committed fuzz input (the seed corpus and the regressions found by fuzzing) through its
 * target, in this process, on every `npm test`: no input may end in anything but an OutpostError,
 * block the event loop for more than a second, or grow memory by more than 256 MiB. This is what
 * keeps a fixed finding fixed; `npm run fuzz` is what finds new ones.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const targets = readdirSync(path.join(here, 'targets'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -3))
  .sort();

function inputsOf(target: string): string[] {
  return ['corpus', 'regressions'].flatMap((kind) => {
    const dir = path.join(here, kind, target);
    return existsSync(dir) ? readdirSync(dir).sort().map((file) => path.join(dir, file)) : [];
  });
}

/**
 * The delay monitor samples on a libuv timer, and its first firing only sets a baseline; a timer
 * wait (an immediate is not enough) lets it fire after every input, so each input's blocking is
 * recorded as a delay of its own.
 */
const RESOLUTION_MS = 10;
const letMonitorSample = () => new Promise<void>((resolve) => setTimeout(resolve, 2 * RESOLUTION_MS));

describe('fuzz corpus replay', () => {
  it('finds the fuzz targets', () => {
    expect(targets).toEqual(expect.arrayContaining(['cert-chain', 'jpl', 'rdf-xml', 'update-query', 'xpi', 'zip']));
  });

  it.each(targets)('replays every %s input within the bounds', async (target) => {
    const { fuzz } = (await import(`./targets/${target}.ts`)) as { fuzz: FuzzTarget };
    const files = inputsOf(target);
    expect(files.length, `test/fuzz/corpus/${target}/ has no seeds; run test/fuzz/make-corpus.ts`).toBeGreaterThan(0);

    const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    delay.enable();
    await letMonitorSample();
    try {
      for (const file of files) {
        const name = path.relative(here, file);
        const rssBefore = process.memoryUsage().rss;
        const maxRssBefore = process.resourceUsage().maxRSS * 1024;
        try {
          await fuzz(readFileSync(file));
        } catch (err) {
          throw new Error(`${name} ended in an unexpected error: ${String(err)}`, { cause: err });
        }
        const rssGrowth = process.memoryUsage().rss - rssBefore;
        const maxRssGrowth = process.resourceUsage().maxRSS * 1024 - maxRssBefore;
        expect(rssGrowth, `RSS growth for ${name}`).toBeLessThanOrEqual(MAX_INPUT_RSS_GROWTH_BYTES);
        expect(maxRssGrowth, `peak RSS growth for ${name}`).toBeLessThanOrEqual(MAX_INPUT_RSS_GROWTH_BYTES);
        await letMonitorSample();
      }
    } finally {
      delay.disable();
    }
    expect(delay.max / 1e6, `longest event-loop delay while replaying ${target} (ms)`).toBeLessThanOrEqual(MAX_INPUT_MS);
  });
});
