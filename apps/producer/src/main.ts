// Entry point: parse the environment, wire the producer, listen; exit 1 with the reason on failure.
import { runMain, serve } from '@tally/runtime';
import { loadConfig } from './config.ts';
import { startProducer } from './producer-app.ts';

runMain(
  () => {
    const config = loadConfig(process.env);
    return serve('producer', config, startProducer, { topic: config.reportTopic });
  },
  // NOTE: what Kafka never acknowledged was never answered 202 either, so clients send it again.
  { name: 'producer', stopTimeoutMs: 30_000, stopping: 'flushing accepted events' },
);
