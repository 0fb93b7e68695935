import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signerFor, writeJpl } from '../../helpers/jami-jpl.ts';
import { jamiPki } from '../../helpers/jami-pki.ts';
import { requireTool } from '../../helpers/system-tools.ts';

const hasOpenssl = requireTool('openssl');
const MiB = 1024 * 1024;
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHILD = fileURLToPath(new URL('../../helpers/jami-memory-child.ts', import.meta.url));
/** The goal: checking a 250 MB plugin peaks at no more than this, the runtime included. */
const MAX_PEAK_RSS = 150 * MiB;
/** What checking may add to the runtime's own footprint (measured: about 40 MiB, mostly GC lag). */
const MAX_GROWTH = 64 * MiB;

interface ChildReport {
  baseline: number;
  peak: number;
  id: string;
  entries: number;
  kept: string[];
}

/**
 * Memory is measured, not time: a child process inspects and verifies a 240 MiB plugin from disk
 * and reports its peak RSS (the kernel's high-water mark, so nothing depends on when it is read).
 * Reading the plugin into memory, as inspectJpl once did, would alone put the peak above 240 MiB.
 */
describe.skipIf(!hasOpenssl)('checking a large plugin', () => {
  let dir: string;
  let jpl: string;
  let anchor: string;

  beforeAll(async () => {
    const pki = await jamiPki();
    dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-jpl-memory-'));
    jpl = path.join(dir, 'Large.jpl');
    anchor = path.join(dir, 'anchor.pem');
    writeFileSync(anchor, pki.root.pem);
    // One 60 MiB buffer of a repeated random block, used for four entries: incompressible to
    // deflate's 32 KiB window, cheap to make, and stored so that writing it takes no time.
    const big = Buffer.alloc(60 * MiB, randomBytes(64 * 1024));
    await writeJpl(jpl, {
      id: 'Large',
      store: true,
      signWith: signerFor(pki, pki.plugin, pki.org),
      abis: ['x86_64-linux-gnu', 'arm64-v8a'],
      files: {
        'data/icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
        'data/locale/Large_en.json': '{"description":"A large plugin"}',
        'data/models/a.bin': big,
        'data/models/b.bin': big,
        'lib/x86_64-linux-gnu/libLargeModel.so': big,
        'lib/arm64-v8a/libLargeModel.so': big,
      },
    });
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`inspects and verifies a 240 MiB plugin with a peak RSS of at most ${MAX_PEAK_RSS / MiB} MiB`, async () => {
    expect(statSync(jpl).size).toBeGreaterThan(240 * MiB);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, jpl, anchor], { cwd: ROOT, maxBuffer: MiB });
    const report = JSON.parse(stdout) as ChildReport;
    console.info(`jpl-memory: peak RSS ${(report.peak / MiB).toFixed(1)} MiB (${(report.baseline / MiB).toFixed(1)} MiB after start-up)`);
    expect(report).toMatchObject({ id: 'Large', entries: 12 });
    expect(report.kept.sort()).toEqual(['Large.crt', 'data/icon.svg', 'data/locale/Large_en.json', 'manifest.json', 'signatures', 'signatures.sig']);
    expect(report.peak - report.baseline).toBeLessThanOrEqual(MAX_GROWTH);
    expect(report.peak).toBeLessThanOrEqual(MAX_PEAK_RSS);
  }, 120_000);
});
