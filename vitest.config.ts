import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests run daemons as child processes; forks keep each file's processes apart.
    pool: 'forks',
    testTimeout: 30_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    hookTimeout: 30_000,
  },
});
