// Entry point: parse the environment, migrate, consume, serve health; exit 1 with the reason on failure.
import { ConfigError } from '@tally/config';
import { silenceKafkajsTimerWarning } from '@tally/kafka';
import pino from 'pino';
import { loadConfig } from './config.ts';
import { startConsumer } from './consumer-app.ts';

const SHUTDOWN_TIMEOUT_MS = 30_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.logLevel, base: { service: 'consumer' } });
  const consumer = await startConsumer(config, log);
  await consumer.server.listen({ port: config.port, host: config.host });
  log.info(
    {
      event: 'consumer_started',
      port: config.port,
      group: config.consumerGroup,
      topic: config.reportTopic,
      kafka: config.kafkaSecurity.describe,
    },
    'consumer started',
  );

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ event: 'consumer_stopping', signal }, 'consumer stopping: finishing the batch in flight');
      // A dependency that never answers (Kafka down during the flush) must not hold the exit for
      // ever; what was not acknowledged was not answered 202 either, so clients send it again.
      setTimeout(() => {
        log.error({ event: 'consumer_stop_timeout', after_ms: SHUTDOWN_TIMEOUT_MS }, 'consumer did not stop in time');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS).unref();
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
