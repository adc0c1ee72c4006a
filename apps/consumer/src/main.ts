// Entry point: parse the environment, migrate, consume, serve health; exit 1 with the reason on failure.
import { runMain, serve } from '@tally/runtime';
import { loadConfig } from './config.ts';
import { startConsumer } from './consumer-app.ts';

runMain(
  () => {
    const config = loadConfig(process.env);
    return serve('consumer', config, startConsumer, { group: config.consumerGroup, topic: config.reportTopic });
  },
  // NOTE: a batch not committed to PostgreSQL is read again by whoever takes the partition.
  { name: 'consumer', stopTimeoutMs: 30_000, stopping: 'finishing the batch in flight' },
);
