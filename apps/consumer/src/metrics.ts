// The consumer's Prometheus metrics, on their own registry (served at GET /metrics).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics(options: { defaultMetrics: boolean } = { defaultMetrics: true }) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'tally_consumer_' });
  const registers = [registry];
  return {
    registry,
    lag: new Gauge({
      name: 'tally_consumer_lag_records',
      help: 'Records in the partition past the last one applied, as of the last batch',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    batchRecords: new Histogram({
      name: 'tally_consumer_batch_records',
      help: 'Records per batch',
      buckets: [1, 10, 100, 500, 1_000, 5_000, 10_000, 50_000],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'tally_consumer_batch_seconds',
      help: 'Time to decode, dead-letter and apply one batch',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    offsetRewinds: new Counter({
      name: 'tally_consumer_offset_rewinds_total',
      help: 'Batches that found PostgreSQL behind them (commits lost in a crash) and read the partition again from its next_offset',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    kafkaCommitFailures: new Counter({
      name: 'tally_consumer_kafka_commit_failures_total',
      help: 'Advisory Kafka offset commits that failed after the batch was applied (PostgreSQL holds the offset)',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    eventsCounted: new Counter({
      name: 'tally_consumer_events_counted_total',
      help: 'Events added to the aggregates',
      registers,
    }),
    rowsUpserted: new Counter({
      name: 'tally_consumer_rows_upserted_total',
      help: 'aggregates_minute rows inserted or updated',
      registers,
    }),
    duplicatesDropped: new Counter({
      name: 'tally_consumer_duplicates_dropped_total',
      help: 'Events not counted because their event_id already was (client resends)',
      registers,
    }),
    alreadyApplied: new Counter({
      name: 'tally_consumer_records_already_applied_total',
      help: 'Redelivered records skipped because PostgreSQL had applied them (replays, takeovers)',
      registers,
    }),
    deadLetters: new Counter({
      name: 'tally_consumer_dead_letters_total',
      help: 'Records sent to the dead-letter topic, by reason',
      labelNames: ['reason'],
      registers,
    }),
    retries: new Counter({
      name: 'tally_consumer_retries_total',
      help: 'Retries of an outage, by dependency',
      labelNames: ['dependency'],
      registers,
    }),
    batchFailures: new Counter({
      name: 'tally_consumer_batch_failures_total',
      help: 'Failed attempts at a batch with an error that is not an outage (SQLSTATE, errno or error name); the batch is fetched again',
      labelNames: ['topic', 'partition', 'code'],
      registers,
    }),
    logMismatches: new Counter({
      name: 'tally_consumer_log_mismatches_total',
      help: 'Partitions stopped because Kafka’s log is not the one PostgreSQL’s offsets came from (other cluster, log ending below next_offset, another record at the last applied offset), by reason',
      labelNames: ['topic', 'partition', 'reason'],
      registers,
    }),
    partitionsStopped: new Gauge({
      name: 'tally_consumer_partitions_stopped',
      help: 'Assigned partitions stopped for a log mismatch, waiting for `pnpm consumer:offsets reset`',
      labelNames: ['topic'],
      registers,
    }),
    offsetGaps: new Counter({
      name: 'tally_consumer_offset_gaps_total',
      help: 'Batches refused because Kafka offered records past what PostgreSQL applied (partition paused)',
      labelNames: ['topic', 'partition'],
      registers,
    }),
  };
}

export type ConsumerMetrics = ReturnType<typeof createMetrics>;
