import { fileURLToPath } from 'node:url';
import {
  type KafkaSecurity,
  kafkaBrokers,
  kafkaSecurity,
  kafkaSecurityFields,
  logLevel,
  parseEnv,
  port,
  postgresUrl,
  topicName,
} from '@tally/config';
import { z } from 'zod';

/** Everything the reports app reads from its environment; nothing else reads `process.env`. */
const schema = z.object({
  REPORTS_PORT: port.default(3002),
  REPORTS_HOST: z.string().min(1).default('127.0.0.1'),
  /** A role that may only SELECT (the migrations create `tally_reports`). */
  DATABASE_URL: postgresUrl.default('postgres://tally_reports@127.0.0.1:5432/tally'),
  KAFKA_BROKERS: kafkaBrokers.default(['127.0.0.1:9092']),
  ...kafkaSecurityFields,
  REPORT_TOPIC: topicName.default('report-events'),
  /** The consumer group whose progress /v1/freshness reports. */
  CONSUMER_GROUP: z.string().min(1, 'must not be empty').default('tally-aggregator'),
  LOG_LEVEL: logLevel.default('info'),
  /** The built dashboard (`pnpm --filter @tally/dashboard build`), served at `/`. */
  REPORTS_DASHBOARD_DIR: z.string().min(1).optional(),
});

export interface ReportsConfig {
  port: number;
  host: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  /** TLS and SASL to Kafka (KAFKA_SSL_CA_FILE, KAFKA_SASL_*); both unset means plaintext. */
  kafkaSecurity: KafkaSecurity;
  reportTopic: string;
  consumerGroup: string;
  logLevel: z.output<typeof logLevel>;
  dashboardDir: string;
}

export function loadConfig(env: Record<string, string | undefined>): ReportsConfig {
  const parsed = parseEnv(schema, env);
  return {
    port: parsed.REPORTS_PORT,
    host: parsed.REPORTS_HOST,
    databaseUrl: parsed.DATABASE_URL,
    kafkaBrokers: parsed.KAFKA_BROKERS,
    kafkaSecurity: kafkaSecurity(parsed),
    reportTopic: parsed.REPORT_TOPIC,
    consumerGroup: parsed.CONSUMER_GROUP,
    logLevel: parsed.LOG_LEVEL,
    dashboardDir: parsed.REPORTS_DASHBOARD_DIR ?? fileURLToPath(new URL('../../dashboard/dist', import.meta.url)),
  };
}
