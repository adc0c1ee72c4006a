// Databases of a test's own on the shared PostgreSQL server, made and dropped by the test, and
// one-off queries against them.
import { randomUUID } from 'node:crypto';
import { maintainDedupPartitions, migrate } from '@tally/db';
import pg from 'pg';
import { urlFor } from './env.ts';

/** One query on a connection of its own (opened and closed around it). */
export async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  // NOTE: a connection ended by the server (a database dropped WITH (FORCE), a stopped cluster)
  // also emits 'error'; the query's own rejection carries it, and an unheard event would end the run.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  /** As the server's superuser, the schema's owner in tests. */
  url: string;
  drop(): Promise<void>;
}

/** An empty database of the test's own. */
export async function createDatabase(prefix = 'tally_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '')}`;
  await sql(urlFor('postgres'), `CREATE DATABASE ${name}`);
  return {
    name,
    url: urlFor(name),
    drop: () => sql(urlFor('postgres'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
  };
}

export interface MigratedDatabase extends TestDatabase {
  /** A pool as the owner. */
  pool: pg.Pool;
  /** The same database as the read-only role the migrations create. */
  readerUrl: string;
}

/** A migrated database of the test's own with today's dedupe partitions, and a pool on it. */
export async function migratedDatabase(prefix?: string): Promise<MigratedDatabase> {
  const db = await createDatabase(prefix);
  await migrate(db.url);
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  // An idle client whose connection the server ends (see sql() above) must not end the test run.
  pool.on('error', () => undefined);
  await maintainDedupPartitions(pool, 8);
  return {
    ...db,
    pool,
    readerUrl: urlFor(db.name, 'tally_reports'),
    drop: async () => {
      await pool.end();
      await db.drop();
    },
  };
}
