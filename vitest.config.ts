import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous guards against hangs on a shared 2-core machine; no test asserts on time.
    testTimeout: 60_000,
    // Two test files at once: most wait on child processes (moto, Chromium, Node 24, the CLI),
    // so two overlap well even on two cores (about 1.5x faster than vitest's default of one
    // worker there: cores - 1).
    maxWorkers: 2,
    hookTimeout: 120_000,
  },
});
