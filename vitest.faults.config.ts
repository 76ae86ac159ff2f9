import { defineConfig } from 'vitest/config';

/** `npm run test:faults`: processes killed, databases locked, full or restarted, hostile input. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/backend-reporter.ts', './test/faults/support/fault-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // expect.poll waits up to 10 s (browser pages, live streams on a loaded 2-core machine); not a timing assertion.
    expect: { poll: { timeout: 10_000 } },
    // Fault tests start processes and hold locks: one file at a time keeps them from skewing each other.
    fileParallelism: false,
  },
});
