import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * The Chromium policy test writes /etc/chromium/policies/managed, which every Chromium on the
 * machine obeys (it would force its extensions into the admin UI and CRX tests' browsers), so it
 * runs in its own group, after everything else.
 */
const ALONE = ['test/system/chromium-policy.test.ts'];

/**
 * Most of the suite's time is spent waiting on child servers, browsers, nginx and the gateway, not
 * on this process's CPU: vitest's default (one file fewer than cores, so one at a time on a 2-core
 * machine) ran it in 814 s, three files at once in 311 s with every test passing. Tests wait for
 * events, never for a time, so sharing the cores does not change what they see.
 */
const FILES_AT_ONCE = Math.max(3, availableParallelism() - 1);

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/count-reporter.ts'],
    maxWorkers: FILES_AT_ONCE,
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ALONE, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, sequence: { groupOrder: 1 } },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
