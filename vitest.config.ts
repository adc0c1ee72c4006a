// One vitest for the whole repository, in two projects:
//   unit         `*.test.ts` beside the code they test: pure logic, no service (`pnpm test`)
//   integration  `*.integration.test.ts` and `*.browser.test.ts`: the real Kafka, registry and
//                PostgreSQL that `pnpm infra:up` starts (`pnpm test:integration`)
// Workspace packages resolve to their sources (the `development` export condition), so no
// build is needed first.
import { defineConfig } from 'vitest/config';

const WORKSPACES = '{apps,packages,tools}/*';
const INTEGRATION = [`${WORKSPACES}/**/*.integration.test.ts`, `${WORKSPACES}/**/*.browser.test.ts`];

/**
 * Integration tests that never talk to Kafka (PostgreSQL, the registry, files): CI runs them once,
 * not again on the previous Kafka line (`pnpm test:broker`). A test missing here only runs twice.
 */
export const BROKER_INDEPENDENT = [
  'apps/consumer/test/apply-batch.integration.test.ts',
  'apps/consumer/test/handle-batch.integration.test.ts',
  'apps/consumer/test/rollups.integration.test.ts',
  'apps/consumer/test/seen-events.integration.test.ts',
  'packages/schemas/test/codec.integration.test.ts',
  'packages/schemas/test/compatibility.integration.test.ts',
  'tools/launcher/test/postgres.integration.test.ts',
  'tools/launcher/test/rabbitmq.integration.test.ts',
  'tools/launcher/test/registry.integration.test.ts',
];

const integration = {
  // Joining a consumer group alone takes seconds; a private broker takes tens of them to start.
  testTimeout: 120_000,
  hookTimeout: 240_000,
  exclude: ['**/node_modules/**', '**/dist/**'],
};

export default defineConfig({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    // NOTE: integration tests mostly wait on Kafka and PostgreSQL, so more files than cores run at
    // once (the default, one fewer than the cores, is a single worker on a 2-core machine).
    maxWorkers: 3,
    // TRICKY: a test's own database is dropped WITH (FORCE), and a private cluster is stopped, at
    // teardown; a pg connection still open to it (one we could not yet trace) gets the server's
    // 57P01/57P02 as an 'error' event nobody hears, which vitest counts as a failure of the whole
    // run, whichever file is running then. Those two codes, and only those, are printed instead.
    onUnhandledError(error) {
      const code = (error as { code?: unknown }).code;
      if (code !== '57P01' && code !== '57P02') return;
      console.warn(`[vitest] a PostgreSQL connection ended by the server at teardown (${code}): ${error.message}`);
      return false;
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [`${WORKSPACES}/src/**/*.test.ts`],
          exclude: ['**/node_modules/**', '**/dist/**', ...INTEGRATION],
        },
      },
      { extends: true, test: { name: 'integration', include: INTEGRATION, ...integration } },
      {
        extends: true,
        test: { name: 'broker', include: INTEGRATION, ...integration, exclude: [...integration.exclude, ...BROKER_INDEPENDENT] },
      },
    ],
  },
});
