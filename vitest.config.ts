import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'conformance/**/*.test.ts'],
    // End-to-end suites start real servers and CLI processes; a busy 2-core machine needs room.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
