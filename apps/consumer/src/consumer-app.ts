// Wires the consumer: migrations, pool, topics, registry codec, dead-letter producer, the batch
// handler and the group loop that feeds it (reporting batches that keep failing, batch-failures.ts),
// and the health server (ready when Kafka, PostgreSQL, the registry and every partition are, each
// partition on the log its offsets came from).
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { DEFAULTS } from '@tally/config';
import { foldHourPerAction, maintainDedupPartitions, migrate } from '@tally/db';
import { createKafkaClient, ensureTopic } from '@tally/kafka';
import { buildHealthServer, readinessOf } from '@tally/runtime';
import { createReportCodec } from '@tally/schemas/codec';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createBatchFailures, reportingFailures } from './batch-failures.ts';
import type { ConsumerConfig } from './config.ts';
import { createDeadLetterProducer, createDeadLetterWriter } from './dead-letter.ts';
import { type GroupLoop, runGroupLoop } from './group-loop.ts';
import { createBatchHandler } from './handle-batch.ts';
import { createMetrics } from './metrics.ts';
import { createPool } from './postgres-pool.ts';

export interface RunningConsumer {
  server: FastifyInstance;
  /** Graceful: finish the batch in flight, commit, leave the group, close the pool. */
  stop(): Promise<void>;
}

export async function startConsumer(
  config: ConsumerConfig,
  log: Logger,
  /** recheckStoppedMs: how often stopped partitions are looked at for a reset (tests shorten it). */
  options: { defaultMetrics?: boolean; recheckStoppedMs?: number } = {},
): Promise<RunningConsumer> {
  const applied = await migrate(config.migrationsDatabaseUrl);
  if (applied.length > 0) log.info({ event: 'migrations_applied', migrations: applied }, 'migrations applied');
  const pool = createPool(config, log);
  await maintainDedupPartitions(pool, config.dedupRetentionDays);
  // NOTE: not fatal, at start either: unfolded hours are only slower to read, and the next run folds them.
  const foldHours = () =>
    foldHourPerAction(pool).catch((error: unknown) =>
      log.warn({ event: 'rollup_fold_failed', err: error }, 'could not fold the per-action rollup of closed hours'),
    );
  void foldHours();
  const maintenance = setInterval(() => {
    maintainDedupPartitions(pool, config.dedupRetentionDays).catch((error: unknown) =>
      log.warn({ event: 'dedup_maintenance_failed', err: error }, 'could not maintain seen_events partitions'),
    );
    void foldHours();
  }, 3_600_000);
  maintenance.unref();

  const kafka = createKafkaClient({
    clientId: 'tally-consumer',
    brokers: config.kafkaBrokers,
    security: config.kafkaSecurity,
    log,
  });
  await ensureTopic(kafka, config.reportTopic, config.partitions, log);
  await ensureTopic(kafka, config.deadLetterTopic, DEFAULTS.deadLetterTopicPartitions, log);

  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  const codec = createReportCodec({
    registry: new SchemaRegistry({ host: config.schemaRegistryUrl }),
    topic: config.reportTopic,
  });
  const deadLetterProducer = createDeadLetterProducer(kafka);
  await deadLetterProducer.connect();
  const gaps = new Set<string>();
  const handleBatch = createBatchHandler({
    pool,
    codec,
    group: config.consumerGroup,
    writeDeadLetters: createDeadLetterWriter(deadLetterProducer, config.deadLetterTopic),
    gaps,
    log,
    metrics,
  });
  const batchFailures = createBatchFailures({ metrics, log });
  const group = await runGroupLoop({
    kafka,
    pool,
    config,
    log,
    metrics,
    handleBatch: reportingFailures(handleBatch, batchFailures),
    ...(options.recheckStoppedMs === undefined ? {} : { recheckStoppedMs: options.recheckStoppedMs }),
  });
  // A partition moved to another member is that member's to report.
  group.consumer.on(group.consumer.events.GROUP_JOIN, ({ payload }) =>
    batchFailures.retain(config.reportTopic, payload.memberAssignment[config.reportTopic] ?? []),
  );

  const server = buildHealthServer({
    log,
    metrics: metrics.registry,
    readiness: async () => {
      const postgres = await pool.query('SELECT 1').then(
        () => 'ok',
        (error: Error) => `unreachable: ${error.message}`,
      );
      // NOTE: the codec asks the registry at most every few seconds, however often /readyz is polled.
      const registry = await codec.registryHealth();
      const checks = {
        kafka: kafkaReadiness(group),
        postgres,
        registry: registry.ok ? 'ok' : `${registry.error.code}: ${registry.error.message}`,
        partitions: gaps.size === 0 ? 'ok' : `paused for an offset gap: ${[...gaps].join(', ')}`,
        log: group.logIdentity(),
        batches: batchFailures.readiness(),
        seek:
          group.awaitingSeek().length === 0
            ? 'ok'
            : `partitions ${group.awaitingSeek().join(', ')} paused until PostgreSQL's offsets and Kafka's log can be read`,
      };
      return readinessOf(checks);
    },
  });

  return {
    server,
    async stop() {
      clearInterval(maintenance);
      try {
        await group.stop();
        await deadLetterProducer.disconnect();
        await server.close();
      } finally {
        // NOTE: whatever failed above, the connections go: a pool left open outlives the process's work.
        await pool.end();
      }
    },
  };
}

function kafkaReadiness(group: GroupLoop): string {
  const stopped = group.stoppedForGood();
  if (stopped) return `stopped consuming for good after ${stopped.name}: ${stopped.message}; restart the consumer`;
  return group.joined() ? 'ok' : 'not in the group yet';
}
