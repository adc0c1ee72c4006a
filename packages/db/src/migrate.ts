// Applies the schema's migrations (node-pg-migrate, the SQL files under packages/db/migrations/).
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Applies what is pending as the schema's owner; returns the names of the migrations applied. */
export async function migrate(databaseUrl: string): Promise<string[]> {
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
  return applied.map((m) => m.name);
}
