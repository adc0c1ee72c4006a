// The consumer's PostgreSQL pool, and the session settings every one of its connections runs with.
import pg from 'pg';
import type { Logger } from 'pino';
import type { ConsumerConfig } from './config.ts';

/**
 * The connection pool. Every statement has a timeout, so a stuck database counts as an outage;
 * every lock wait has one, and so has a session idle inside a transaction, so a consumer frozen
 * mid-batch (SIGSTOP, a long pause) holds its row locks for a bounded time (see config.ts).
 */
export function createPool(config: ConsumerConfig, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    // One connection per partition applied at once, and one for reads beside them.
    max: config.partitionsConcurrently + 1,
    statement_timeout: config.statementTimeoutMs,
    options: sessionOptions(config),
    connectionTimeoutMillis: 5_000,
    // NOTE: the process id tells an operator (and frozen-consumer.integration.test.ts) which
    // consumer process a backend in pg_stat_activity belongs to.
    application_name: `tally-consumer ${process.pid}`,
  });
  // NOTE: an idle client's connection dropping (PostgreSQL restarted) must not crash the process;
  // the next query fails instead, and is retried as an outage.
  pool.on('error', (error) => log.warn({ event: 'postgres_idle_client_error', err: error }, 'idle PostgreSQL client failed'));
  return pool;
}

/** The startup `options` that set the consumer's session settings (values in milliseconds). */
export function sessionOptions(
  config: Pick<ConsumerConfig, 'synchronousCommit' | 'idleInTransactionTimeoutMs' | 'lockTimeoutMs'>,
): string {
  return [
    `synchronous_commit=${config.synchronousCommit}`,
    `idle_in_transaction_session_timeout=${config.idleInTransactionTimeoutMs}`,
    `lock_timeout=${config.lockTimeoutMs}`,
  ]
    .map((setting) => `-c ${setting}`)
    .join(' ');
}
