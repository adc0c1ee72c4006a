// Applies the schema's migrations (node-pg-migrate, the SQL files under packages/db/migrations/).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * Applies what is pending as the schema's owner; returns the names of the migrations applied.
 * `before` (a migration's name, on a fresh database): only the migrations older than it, for tests
 * that write rows as an older schema held them and then migrate the rest.
 */
export async function migrate(databaseUrl: string, options: { before?: string } = {}): Promise<string[]> {
  const { before } = options;
  const count =
    before === undefined
      ? Number.POSITIVE_INFINITY
      : readdirSync(MIGRATIONS_DIR).filter((file) => file.endsWith('.sql') && file.replace(/\.sql$/, '') < before).length;
  // TRICKY: a client of our own, not node-pg-migrate's: its own has no 'error' listener and is
  // ended without waiting, so a server that ends the connection just then (a restart, a database
  // dropped WITH (FORCE)) threw an uncaught exception in whatever process had migrated.
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  const applied = await runner({
    dbClient: client,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count,
    singleTransaction: true,
    checkOrder: true,
    // Consumers starting together take turns; the later ones find nothing left to apply.
    advisoryLockMode: 'wait',
    log: () => undefined,
  })
    .catch((error: { code?: string; message: string }) => {
      // node-pg-migrate rewraps some errors ("Unable to ensure migrations table: …") without the code.
      if (error.code !== '42501' && !/permission denied/.test(error.message)) throw error;
      const role = new URL(databaseUrl).username || '(default user)';
      throw new Error(
        `migrations need the schema's owner, and ${role} may not change the schema (${error.message.split('\n')[0]}): set MIGRATIONS_DATABASE_URL to the owner (tally_owner)`,
      );
    })
    .finally(() => client.end());
  return applied.map((m) => m.name);
}
