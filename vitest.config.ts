import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous guards against hangs on a shared 2-core machine; no test asserts on time.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
