import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
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

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Applies pending migrations (node-pg-migrate, SQL files under migrations/). */
export async function migrate(databaseUrl: string, log: Logger): Promise<void> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Number.POSITIVE_INFINITY,
    singleTransaction: true,
    checkOrder: true,
    // Consumers starting together take turns; the later ones find nothing left to apply.
    advisoryLockMode: 'wait',
    log: () => undefined,
  }).catch((error: { code?: string; message: string }) => {
    // node-pg-migrate rewraps some errors ("Unable to ensure migrations table: …") without the code.
    if (error.code !== '42501' && !/permission denied/.test(error.message)) throw error;
    const role = new URL(databaseUrl).username || '(default user)';
    throw new Error(
      `migrations need the schema's owner, and ${role} may not change the schema (${error.message.split('\n')[0]}): set MIGRATIONS_DATABASE_URL to the owner (tally_owner)`,
    );
  });
  if (applied.length > 0) log.info({ event: 'migrations_applied', migrations: applied.map((m) => m.name) }, 'migrations applied');
}

/** Creates the dedupe table's partitions around today and drops those past the retention. */
export async function maintainDedupPartitions(pool: pg.Pool, retentionDays: number): Promise<void> {
  await pool.query('SELECT tally_maintain_seen_events($1)', [retentionDays]);
}
