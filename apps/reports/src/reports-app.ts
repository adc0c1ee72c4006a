// Wires the reports app: a read-only pool, a Kafka admin client for watermarks, the API.
import { createKafkaClient } from '@tally/kafka';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { ReportsConfig } from './config.ts';
import { createLiveStream } from './live-stream.ts';
import { readProgress } from './pipeline-progress.ts';
import { buildServer } from './server.ts';

export interface RunningReports {
  server: FastifyInstance;
  stop(): Promise<void>;
}

export async function startReports(config: ReportsConfig, log: Logger): Promise<RunningReports> {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: 8,
    // NOTE: a report must never hold the database: every statement is cut off, and the session
    // refuses writes even if the role were given more than SELECT.
    statement_timeout: 5_000,
    connectionTimeoutMillis: 5_000,
    options: '-c default_transaction_read_only=on',
    application_name: 'tally-reports',
  });
  pool.on('error', (error) => log.warn({ event: 'postgres_idle_client_error', err: error }, 'idle PostgreSQL client failed'));
  const admin = createKafkaClient({
    clientId: 'tally-reports',
    brokers: config.kafkaBrokers,
    security: config.kafkaSecurity,
    log,
  }).admin();
  await admin.connect();

  const progress = () => readProgress({ pool, admin }, { topic: config.reportTopic, group: config.consumerGroup });
  const stream = createLiveStream({ read: progress, log });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'tally_reports_' });
  const server = buildServer({ log, pool, progress, stream, metrics, dashboardDir: config.dashboardDir });
  return {
    server,
    async stop() {
      stream.close();
      await server.close();
      await admin.disconnect();
      await pool.end();
    },
  };
}
