import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
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
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Unit tests of pure parts start no process (test/helpers/daemon.ts's cleanup is per
          // file and stays in the isolated project), so they share their workers: a fresh fork
          // and module graph per file cost ~0.6 CPU-s each, more than most of these files take.
          // A unit test that changes process-wide state (process.env, fake timers) restores it.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/chaos/**/*.test.ts'],
        },
      },
    ],
  },
});
