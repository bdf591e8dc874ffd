import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['main/**/*.test.ts', 'shared/**/*.test.ts', 'renderer/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time: many tests wait on real peers (Chromium, Redis, adb, worker processes), so
    // two forks on CI's 2 cores halve the wall time (780 s -> 464 s for the same 1,811 tests).
    maxWorkers: 2,
  },
});
