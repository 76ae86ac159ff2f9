import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault-injection suite (kills, locks, restarts) runs on its own: npm run test:faults.
    exclude: ['test/faults/**', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/backend-reporter.ts'],
    // A test that drives the built CLI starts several node processes; three files at a time on 2
    // cores can make one take over 30 s. Not a timing assertion: how long a hung test takes to fail.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Three test files at a time: vitest's default on 2 cores is one, and most files wait on
    // child processes, PostgreSQL or Chromium rather than on the CPU.
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    // expect.poll waits up to 10 s (browser pages, live streams on a loaded 2-core machine); not a timing assertion.
    expect: { poll: { timeout: 10_000 } },
  },
});
