// `pnpm db:migrate`: applies the consumer's migrations as MIGRATIONS_DATABASE_URL (else DATABASE_URL).
import pino from 'pino';
import { loadConfig } from './config.ts';
import { migrate } from './db.ts';

const config = loadConfig(process.env);
const log = pino({ level: 'info', base: { service: 'migrate' } });
migrate(config.migrationsDatabaseUrl, log).then(
  () => log.info({ event: 'migrations_up_to_date' }, 'migrations up to date'),
  (error: unknown) => {
    log.error({ event: 'migrations_failed', err: error }, 'migrations failed');
    process.exit(1);
  },
);
