// The consumer's PostgreSQL pool.
import pg from 'pg';
import type { Logger } from 'pino';
import type { ConsumerConfig } from './config.ts';

/** The connection pool. Every statement has a timeout, so a stuck database counts as an outage. */
export function createPool(config: ConsumerConfig, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    // One connection per partition applied at once, and one for reads beside them.
    max: config.partitionsConcurrently + 1,
    statement_timeout: config.statementTimeoutMs,
    options: `-c synchronous_commit=${config.synchronousCommit}`,
    connectionTimeoutMillis: 5_000,
    application_name: 'tally-consumer',
  });
  // NOTE: an idle client's connection dropping (PostgreSQL restarted) must not crash the process;
  // the next query fails instead, and is retried as an outage.
  pool.on('error', (error) => log.warn({ event: 'postgres_idle_client_error', err: error }, 'idle PostgreSQL client failed'));
  return pool;
}
