import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { missingSummary } from './requirements.js';

/** Prints how many store tests ran, passed and failed on each backend. */
export default class BackendReporter implements Reporter {
  private counts: Record<string, { passed: number; failed: number; skipped: number }> = {};

  onTestCaseResult(test: TestCase): void {
    const m = /\[(sqlite|postgres)\]/.exec(test.fullName);
    if (!m) return;
    const c = (this.counts[m[1]!] ??= { passed: 0, failed: 0, skipped: 0 });
    const state = test.result().state;
    if (state === 'passed') c.passed++;
    else if (state === 'failed') c.failed++;
    else c.skipped++;
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>): void {
    for (const backend of ['sqlite', 'postgres']) {
      const c = this.counts[backend] ?? { passed: 0, failed: 0, skipped: 0 };
      console.log(`store tests on ${backend}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
    }
    const absent = missingSummary();
    if (absent) console.log(absent);
  }
}
