// Entry point: parse the environment, wire the producer, listen; exit 1 with the reason on failure.
import { createLogger, runMain } from '@tally/runtime';
import { loadConfig } from './config.ts';
import { startProducer } from './producer-app.ts';

runMain(
  async () => {
    const config = loadConfig(process.env);
    const log = createLogger('producer', config.logLevel);
    const producer = await startProducer(config, log);
    await producer.server.listen({ port: config.port, host: config.host });
    log.info(
      { event: 'producer_started', port: config.port, topic: config.reportTopic, kafka: config.kafkaSecurity.describe },
      'producer started',
    );
    return { log, stop: () => producer.stop() };
  },
  // NOTE: what Kafka never acknowledged was never answered 202 either, so clients send it again.
  { name: 'producer', stopTimeoutMs: 30_000, stopping: 'flushing accepted events' },
);
