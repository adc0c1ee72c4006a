// `pnpm db:migrate`: applies the migrations as MIGRATIONS_DATABASE_URL (else DATABASE_URL).
import { ConfigError, DEFAULTS, parseEnv, postgresUrl } from '@tally/config';
import { z } from 'zod';
import { migrate } from './migrate.ts';

try {
  const env = parseEnv(
    z.object({ DATABASE_URL: postgresUrl.default(DEFAULTS.databaseUrl), MIGRATIONS_DATABASE_URL: postgresUrl.optional() }),
    process.env,
  );
  const applied = await migrate(env.MIGRATIONS_DATABASE_URL ?? env.DATABASE_URL);
  console.log(applied.length > 0 ? `migrations applied: ${applied.join(', ')}` : 'migrations up to date');
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
}
