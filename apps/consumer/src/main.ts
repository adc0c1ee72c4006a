// Entry point: parse the environment, migrate, consume, serve health; exit 1 with the reason on failure.
import { createLogger, runMain } from '@tally/runtime';
import { loadConfig } from './config.ts';
import { startConsumer } from './consumer-app.ts';

runMain(
  async () => {
    const config = loadConfig(process.env);
    const log = createLogger('consumer', config.logLevel);
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
    return { log, stop: () => consumer.stop() };
  },
  // NOTE: a batch not committed to PostgreSQL is read again by whoever takes the partition.
  { name: 'consumer', stopTimeoutMs: 30_000, stopping: 'finishing the batch in flight' },
);
