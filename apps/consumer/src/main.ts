// Entry point: parse the environment, migrate, consume, serve health; exit 1 with the reason on failure.
import { ConfigError } from '@tally/config';
import { silenceKafkajsTimerWarning } from '@tally/kafka';
import pino from 'pino';
import { loadConfig } from './config.ts';
import { startConsumer } from './consumer-app.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.logLevel, base: { service: 'consumer' } });
  const consumer = await startConsumer(config, log);
  await consumer.server.listen({ port: config.port, host: config.host });
  log.info(
    { event: 'consumer_started', port: config.port, group: config.consumerGroup, topic: config.reportTopic },
    'consumer started',
  );

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ event: 'consumer_stopping', signal }, 'consumer stopping: finishing the batch in flight');
      consumer.stop().then(
        () => {
          log.info({ event: 'consumer_stopped' }, 'consumer stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ event: 'consumer_stop_failed', err: error }, 'consumer stop failed');
          process.exit(1);
        },
      );
    });
  }
}

silenceKafkajsTimerWarning();

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
