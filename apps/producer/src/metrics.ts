// The producer's Prometheus metrics, on their own registry (served at GET /metrics).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface ProducerMetrics {
  registry: Registry;
  requests: Counter<'outcome'>;
  events: Counter<'outcome' | 'reason'>;
  produceSeconds: Histogram<'outcome'>;
  batchEvents: Histogram;
  bufferEvents: Gauge;
  /** Where the buffer gauge reads its value at each scrape. */
  watchBuffer(pending: () => number): void;
}

export function createMetrics(options: { defaultMetrics: boolean } = { defaultMetrics: true }): ProducerMetrics {
  const registry = new Registry();
  let pending = () => 0;
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'tally_producer_' });
  return {
    registry,
    requests: new Counter({
      name: 'tally_producer_http_requests_total',
      help: 'Ingest requests by outcome (accepted, invalid, too_large, unsupported_media_type, unavailable)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    events: new Counter({
      name: 'tally_producer_events_total',
      help: 'Events by outcome (accepted, rejected, failed) and reason',
      labelNames: ['outcome', 'reason'],
      registers: [registry],
    }),
    produceSeconds: new Histogram({
      name: 'tally_producer_produce_seconds',
      help: 'Time from handing a batch to kafkajs to the broker acknowledging it (acks=all)',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    batchEvents: new Histogram({
      name: 'tally_producer_batch_events',
      help: 'Events per produce batch',
      buckets: [1, 10, 50, 100, 500, 1_000, 2_500, 5_000, 10_000],
      registers: [registry],
    }),
    bufferEvents: new Gauge({
      name: 'tally_producer_buffer_events',
      help: 'Events accepted into the buffer and not yet acknowledged by Kafka',
      registers: [registry],
      collect() {
        this.set(pending());
      },
    }),
    watchBuffer(source) {
      pending = source;
    },
  };
}
