// Helpers for the reports app's integration tests: a migrated database of the test's own, with
// known rows written as the owner, and the app connected to it as the read-only role.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

const BASE_URL = process.env.DATABASE_URL_OWNER ?? 'postgres://postgres@127.0.0.1:5432/tally';
// The consumer owns the schema; its migrations create the tables and the tally_reports role.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../consumer/migrations', import.meta.url));

export function urlFor(database: string, user?: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${database}`;
  if (user) url.username = user;
  return url.toString();
}

export interface TestDatabase {
  name: string;
  ownerUrl: string;
  readerUrl: string;
  owner: pg.Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tally_reports_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  await runner({
    databaseUrl: urlFor(name),
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Number.POSITIVE_INFINITY,
    singleTransaction: true,
    log: () => undefined,
  });
  const owner = new pg.Pool({ connectionString: urlFor(name), max: 2 });
  return {
    name,
    ownerUrl: urlFor(name),
    readerUrl: urlFor(name, 'tally_reports'),
    owner,
    async drop() {
      await owner.end();
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface KnownRow {
  bucket: string;
  user: string;
  action: string;
  count: number;
  /** Values of the events that carried one. */
  values?: number[];
}

/** Writes minute rows and the matching rows of every hourly table, as the consumer would. */
export async function insertRows(pool: pg.Pool, rows: KnownRow[]): Promise<void> {
  for (const row of rows) {
    const values = row.values ?? [];
    const args = [
      row.bucket,
      row.user,
      row.action,
      row.count,
      values.length ? values.reduce((a, b) => a + b, 0) : null,
      values.length ? Math.min(...values) : null,
      values.length ? Math.max(...values) : null,
      values.length,
    ];
    for (const [table, trunc, user, action] of [
      ['aggregates_minute', 'minute', row.user, row.action],
      ['aggregates_hour', 'hour', row.user, row.action],
      ['aggregates_hour_per_action', 'hour', '', row.action],
      ['aggregates_hour_per_user', 'hour', row.user, ''],
    ] as const) {
      await pool.query(
        `INSERT INTO ${table} AS a (bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at)
         VALUES (date_trunc('${trunc}', $1::timestamptz, 'UTC'), $2, $3, $4, $5, $6, $7, $8, $1, $1)
         ON CONFLICT (bucket_start, user_id, action) DO UPDATE SET
           event_count = a.event_count + EXCLUDED.event_count,
           value_sum = CASE WHEN EXCLUDED.value_sum IS NULL THEN a.value_sum ELSE COALESCE(a.value_sum, 0) + EXCLUDED.value_sum END,
           value_min = LEAST(a.value_min, EXCLUDED.value_min),
           value_max = GREATEST(a.value_max, EXCLUDED.value_max),
           value_count = a.value_count + EXCLUDED.value_count`,
        [args[0], user, action, ...args.slice(3)],
      );
    }
  }
}
