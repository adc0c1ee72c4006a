// Everything the reports app reads from its environment; nothing else reads `process.env`.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  type CommonConfig,
  commonConfig,
  commonFields,
  consumerGroupField,
  DEFAULTS,
  listenFields,
  parseEnv,
  postgresUrl,
  reportTopicField,
} from '@tally/config';
import { z } from 'zod';

/** DEFAULTS.databaseUrl as the read-only role the migrations create. */
const READER_URL = Object.assign(new URL(DEFAULTS.databaseUrl), { username: 'tally_reports' }).toString();

const schema = z.object({
  ...commonFields,
  ...listenFields('REPORTS', DEFAULTS.ports.reports),
  /** A role that may only SELECT (the migrations create `tally_reports`). */
  DATABASE_URL: postgresUrl.default(READER_URL),
  ...reportTopicField,
  /** The consumer group whose progress /v1/freshness reports. */
  ...consumerGroupField,
  /** The built dashboard (`pnpm --filter @tally/dashboard build`), served at `/`; defaults to @tally/dashboard's dist/. */
  REPORTS_DASHBOARD_DIR: z.string().min(1).optional(),
});

export interface ReportsConfig extends CommonConfig {
  port: number;
  host: string;
  databaseUrl: string;
  reportTopic: string;
  consumerGroup: string;
  dashboardDir: string;
}

export function loadConfig(env: Record<string, string | undefined>): ReportsConfig {
  const parsed = parseEnv(schema, env);
  return {
    port: parsed.REPORTS_PORT,
    host: parsed.REPORTS_HOST,
    databaseUrl: parsed.DATABASE_URL,
    ...commonConfig(parsed),
    reportTopic: parsed.REPORT_TOPIC,
    consumerGroup: parsed.CONSUMER_GROUP,
    dashboardDir: parsed.REPORTS_DASHBOARD_DIR ?? builtDashboard(),
  };
}

/** The dashboard's dist/, found through the package (a dependency) from src/ and dist/ alike. */
function builtDashboard(): string {
  // NOTE: @tally/dashboard has no exports map, so its package.json resolves; only the folder is wanted.
  return join(dirname(createRequire(import.meta.url).resolve('@tally/dashboard/package.json')), 'dist');
}
