import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { DEFAULTS } from '@tally/config';
import { maintainDedupPartitions, migrate } from '@tally/db';
import { createKafkaClient, ensureTopic } from '@tally/kafka';
import { buildHealthServer, readinessOf } from '@tally/runtime';
import { createReportCodec } from '@tally/schemas/codec';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ConsumerConfig } from './config.ts';
import { runGroupConsumer } from './consumer.ts';
import { createPool } from './db.ts';
import { createMetrics } from './metrics.ts';

export interface RunningConsumer {
  server: FastifyInstance;
  /** Graceful: finish the batch in flight, commit, leave the group, close the pool. */
  stop(): Promise<void>;
}

/** Wires the consumer: migrations, pool, topics, registry codec, group loop, health server. */
export async function startConsumer(
  config: ConsumerConfig,
  log: Logger,
  options: { defaultMetrics?: boolean } = {},
): Promise<RunningConsumer> {
  const applied = await migrate(config.migrationsDatabaseUrl);
  if (applied.length > 0) log.info({ event: 'migrations_applied', migrations: applied }, 'migrations applied');
  const pool = createPool(config, log);
  await maintainDedupPartitions(pool, config.dedupRetentionDays);
  const maintenance = setInterval(() => {
    maintainDedupPartitions(pool, config.dedupRetentionDays).catch((error: unknown) =>
      log.warn({ event: 'dedup_maintenance_failed', err: error }, 'could not maintain seen_events partitions'),
    );
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
  const group = await runGroupConsumer({ kafka, pool, codec, config, log, metrics });

  const server = buildHealthServer({
    log,
    metrics: metrics.registry,
    readiness: async () => {
      const postgres = await pool.query('SELECT 1').then(
        () => 'ok',
        (error: Error) => `unreachable: ${error.message}`,
      );
      const paused = group.pausedForGap();
      const checks = {
        kafka: group.joined() ? 'ok' : 'not in the group yet',
        postgres,
        partitions: paused.length === 0 ? 'ok' : `paused for an offset gap: ${paused.join(', ')}`,
      };
      return readinessOf(checks);
    },
  });

  return {
    server,
    async stop() {
      clearInterval(maintenance);
      await group.stop();
      await server.close();
      await pool.end();
    },
  };
}
