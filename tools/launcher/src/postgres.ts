// Tally uses the PostgreSQL already running on the machine; the launcher only checks that it answers and creates
// Tally's databases in it. It never starts, stops or reconfigures it.
import pg from 'pg';

export function serverUrl(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function databaseName(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!name) throw new Error(`DATABASE_URL names no database: ${redact(databaseUrl)}`);
  return name;
}

export function redact(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}

async function withAdmin<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl(databaseUrl, 'postgres'), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `no PostgreSQL answers at ${redact(serverUrl(databaseUrl, 'postgres'))} (${reason}).\n` +
        '  Tally uses the PostgreSQL already running on this machine: start it, or point DATABASE_URL at one.',
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function ensureDatabases(databaseUrl: string, names: string[]): Promise<string[]> {
  return withAdmin(databaseUrl, async (client) => {
    await client.query('SELECT 1');
    const created: string[] = [];
    for (const name of names) {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount) continue;
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
        created.push(name);
      } catch (error) {
        // 42P04 duplicate_database: a concurrent launcher created it first, which is fine.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
    return created;
  });
}

export async function dropDatabases(databaseUrl: string, names: string[]): Promise<void> {
  await withAdmin(databaseUrl, async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  });
}
