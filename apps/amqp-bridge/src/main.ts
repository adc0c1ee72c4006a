// Entry point: parse the environment, wire the bridge, serve health; exit 1 with the reason on failure.
import { redactUrl } from '@tally/config';
import { runMain, serve } from '@tally/runtime';
import { startBridge } from './bridge-app.ts';
import { loadConfig } from './config.ts';

runMain(
  () => {
    const config = loadConfig(process.env);
    return serve('amqp_bridge', config, startBridge, {
      amqp: redactUrl(config.amqpUrl),
      queue: config.queue,
      prefetch: config.prefetch,
      topic: config.reportTopic,
    });
  },
  // NOTE: what is not acked when the bridge exits goes back to the queue, and is forwarded again.
  { name: 'amqp_bridge', stopTimeoutMs: 30_000, stopping: 'forwarding and acking the deliveries it holds' },
);
