import { defineConfig } from 'vitest/config';

// Tests of the local infrastructure itself; they run against the services `pnpm infra:up` started.
export default defineConfig({
  root: import.meta.dirname,
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
