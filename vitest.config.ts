import { defineConfig } from 'vitest/config';

// Unit tests live next to the code (packages/*/src/**/*.test.ts); cross-
// package, worker-thread and stress tests in test/. Worker tests import the
// built packages (npm test builds first), so they exercise the real dist/.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'packages/config/test-fixtures/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
