// Entry point: parse the environment, build, listen; exit 1 with the reason on failure.
import { ConfigError } from '@tally/config';
import { loadConfig } from './config.ts';
import { buildHealthServer } from './health-server.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = buildHealthServer({ logger: { level: config.logLevel } });
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ event: 'consumer_started', port: config.port, kafka_brokers: config.kafkaBrokers }, 'consumer started');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.log.info({ event: 'consumer_stopping', signal }, 'consumer stopping');
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
