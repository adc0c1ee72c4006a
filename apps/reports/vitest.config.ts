import { defineConfig } from 'vitest/config';

// Integration tests talk to the real Kafka, registry and PostgreSQL: joining a consumer group alone
// takes seconds, so the limits are generous; unit tests finish in milliseconds regardless.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
