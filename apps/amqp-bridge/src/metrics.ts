// The bridge's Prometheus metrics, on their own registry (served at GET /metrics).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics(options: { defaultMetrics: boolean } = { defaultMetrics: true }) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'tally_bridge_' });
  const registers = [registry];
  let held = () => 0;
  return {
    registry,
    messages: new Counter({
      name: 'tally_bridge_messages_total',
      help: 'AMQP messages acknowledged to RabbitMQ, by outcome (forwarded, dead_lettered)',
      labelNames: ['outcome'],
      registers,
    }),
    events: new Counter({
      name: 'tally_bridge_events_total',
      help: 'Report events Kafka acknowledged (acks=all) from forwarded messages',
      registers,
    }),
    deadLetters: new Counter({
      name: 'tally_bridge_dead_letters_total',
      help: 'Messages sent to the dead-letter topic, by reason code',
      labelNames: ['code'],
      registers,
    }),
    redeliveries: new Counter({
      name: 'tally_bridge_redeliveries_total',
      help: 'Messages RabbitMQ delivered again, by how their event ids were chosen: message_id (derived, counted once), remembered (ids this process gave them before, counted once), new (a message without message_id this process never saw: may count twice)',
      labelNames: ['ids'],
      registers,
    }),
    produceSeconds: new Histogram({
      name: 'tally_bridge_produce_seconds',
      help: 'Time from handing a batch to kafkajs to Kafka acknowledging it (acks=all)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    batchMessages: new Histogram({
      name: 'tally_bridge_batch_messages',
      help: 'AMQP messages per Kafka batch (and per multiple-ack)',
      buckets: [1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000],
      registers,
    }),
    reconnects: new Counter({
      name: 'tally_bridge_amqp_reconnects_total',
      help: 'Connections to RabbitMQ made again after one was lost',
      registers,
    }),
    releases: new Counter({
      name: 'tally_bridge_releases_total',
      help: 'Times the bridge handed its unacknowledged deliveries back to RabbitMQ because Kafka or the registry kept them waiting',
      registers,
    }),
    staleAcks: new Counter({
      name: 'tally_bridge_stale_acks_dropped_total',
      help: 'Messages Kafka acknowledged whose channel was gone by then: not acked (RabbitMQ redelivers them)',
      registers,
    }),
    heldMessages: new Gauge({
      name: 'tally_bridge_held_messages',
      help: 'Deliveries taken from RabbitMQ and not yet acknowledged (at most AMQP_PREFETCH)',
      registers,
      collect() {
        this.set(held());
      },
    }),
    watchHeld(source: () => number) {
      held = source;
    },
  };
}

export type BridgeMetrics = ReturnType<typeof createMetrics>;
