import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests run daemons as child processes; forks keep each file's processes apart.
    pool: 'forks',
    // Two files at a time on this 2-core machine: the suite's daemons mostly wait on sockets and
    // timers, so a second file roughly halves the wall time; tests wait for events, not sleeps.
    maxWorkers: 2,
    // globalThis.gc for the tests that measure what stays on the heap (a threshold over garbage proves nothing).
    execArgv: ['--expose-gc'],
    testTimeout: 30_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    hookTimeout: 30_000,
  },
});
