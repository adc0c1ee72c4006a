// Entry point: parse the environment, wire the producer, listen; exit 1 with the reason on failure.
import { ConfigError } from '@tally/config';
import { silenceKafkajsTimerWarning } from '@tally/kafka';
import pino from 'pino';
import { loadConfig } from './config.ts';
import { startProducer } from './producer-app.ts';

const SHUTDOWN_TIMEOUT_MS = 30_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.logLevel, base: { service: 'producer' } });
  const producer = await startProducer(config, log);
  await producer.server.listen({ port: config.port, host: config.host });
  log.info(
    { event: 'producer_started', port: config.port, topic: config.reportTopic, kafka: config.kafkaSecurity.describe },
    'producer started',
  );

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ event: 'producer_stopping', signal }, 'producer stopping: flushing accepted events');
      // A dependency that never answers (Kafka down during the flush) must not hold the exit for
      // ever; what was not acknowledged was not answered 202 either, so clients send it again.
      setTimeout(() => {
        log.error({ event: 'producer_stop_timeout', after_ms: SHUTDOWN_TIMEOUT_MS }, 'producer did not stop in time');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS).unref();
      producer.stop().then(
        () => {
          log.info({ event: 'producer_stopped' }, 'producer stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ event: 'producer_stop_failed', err: error }, 'producer stop failed');
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
