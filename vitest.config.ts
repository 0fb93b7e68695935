import { defineConfig } from 'vitest/config';

/**
 * The Chromium policy test writes /etc/chromium/policies/managed, which every Chromium on the
 * machine obeys (it would force its extensions into the admin UI and CRX tests' browsers), so it
 * runs in its own group, after everything else.
 */
const ALONE = ['test/system/chromium-policy.test.ts'];

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/count-reporter.ts'],
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
