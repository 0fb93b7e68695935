import type { Reporter, TestCase, TestModule } from 'vitest/node';

// CI reads the closing line `N passed, N failed` (see shared/stack.md); vitest prints no such line.
export default class CountReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;

  onTestCaseResult(test: TestCase): void {
    const state = test.result().state;
    if (state === 'passed') this.passed++;
    else if (state === 'failed') this.failed++;
    else this.skipped++;
  }

  onTestRunEnd(modules: readonly TestModule[], errors: readonly unknown[]): void {
    // A failure outside any test (a file that failed to load, a failing beforeAll that skips
    // its tests, an unhandled rejection) must not read as green: count each such file once.
    const failedTests = new Set<TestModule>();
    for (const m of modules) {
      for (const t of m.children.allTests()) if (t.result().state === 'failed') failedTests.add(m);
    }
    const brokenFiles = modules.filter((m) => !failedTests.has(m) && (m.errors().length > 0 || m.state() === 'failed' || [...m.children.allSuites()].some((s) => s.state() === 'failed'))).length;
    const failed = this.failed + brokenFiles + errors.length;
    const skipped = this.skipped ? `, ${this.skipped} skipped` : '';
    process.stdout.write(`\n${this.passed} passed, ${failed} failed${skipped}\n`);
  }
}
