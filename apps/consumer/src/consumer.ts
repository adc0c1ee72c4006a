import type { ReportCodec } from '@tally/schemas/codec';
import { type Consumer, type EachBatchPayload, type Kafka, Partitioners } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from 'pino';
import { applyBatch, storedOffsets } from './apply-batch.ts';
import type { ConsumerConfig } from './config.ts';
import { createDeadLetterWriter } from './dead-letter.ts';
import { decodeBatch } from './decode-batch.ts';
import type { ConsumerMetrics } from './metrics.ts';
import { withRetry } from './retry.ts';

/**
 * The consumer-group loop. Per batch: decode, dead-letter the poison (acknowledged first), apply
 * the rest to PostgreSQL in one transaction with the offsets, then resolve and commit to Kafka.
 * Kafka's committed offsets trail PostgreSQL's and only serve tooling and lag monitoring.
 */
export interface GroupConsumer {
  consumer: Consumer;
  /** Partitions refused for an offset gap, waiting for an operator. */
  pausedForGap: () => string[];
  joined: () => boolean;
  stop: () => Promise<void>;
}

export async function runGroupConsumer(deps: {
  kafka: Kafka;
  pool: pg.Pool;
  codec: ReportCodec;
  config: ConsumerConfig;
  log: Logger;
  metrics: ConsumerMetrics;
}): Promise<GroupConsumer> {
  const { kafka, pool, codec, config, log, metrics } = deps;
  const consumer = kafka.consumer({
    groupId: config.consumerGroup,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: Math.min(3_000, Math.floor(config.sessionTimeoutMs / 3)),
    // NOTE: bounds a batch (and the memory it takes) at about 1 MiB of records per partition.
    maxBytesPerPartition: 1_048_576,
    maxBytes: 4 * 1_048_576,
    allowAutoTopicCreation: false,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
  });
  const dlqProducer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const writeDeadLetters = createDeadLetterWriter(dlqProducer, config.deadLetterTopic);
  const gaps = new Set<string>();
  let running = true;
  let joined = false;

  await dlqProducer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: config.reportTopic, fromBeginning: true });

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    joined = true;
    const partitions = payload.memberAssignment[config.reportTopic] ?? [];
    log.info({ event: 'partitions_assigned', topic: config.reportTopic, partitions }, 'partitions assigned');
    // On assignment, resume where PostgreSQL says; Kafka's committed offset may trail it. If this
    // fails, redelivered records are still skipped by the fence, only more slowly.
    storedOffsets(pool, config.consumerGroup, config.reportTopic).then(
      (stored) => {
        for (const partition of partitions) {
          const next = stored.get(partition);
          if (next !== undefined) consumer.seek({ topic: config.reportTopic, partition, offset: String(next) });
        }
      },
      (error: unknown) => log.warn({ event: 'seek_from_postgres_failed', err: error }, 'could not read stored offsets'),
    );
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log.error({ event: 'consumer_crashed', err: payload.error, restart: payload.restart }, 'consumer crashed');
  });

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale, pause } = payload;
    if (batch.isEmpty()) return;
    const started = process.hrtime.bigint();
    // Not empty, so both exist; kafkajs types them as possibly null.
    const firstOffset = BigInt(batch.firstOffset() ?? batch.messages[0]?.offset ?? '0');
    const lastOffset = BigInt(batch.lastOffset());
    const retry = {
      heartbeat,
      shouldContinue: () => running && isRunning() && !isStale(),
      onRetry: (dependency: string, attempt: number, error: unknown) => {
        metrics.retries.inc({ dependency });
        log.warn({ event: 'dependency_retry', dependency, attempt, err: error }, `${dependency} unavailable, retrying`);
      },
    };

    const { good, poison } = await withRetry(() => decodeBatch(codec, batch.messages), retry);
    await withRetry(() => writeDeadLetters(batch.topic, batch.partition, poison), retry);
    const outcome = await withRetry(
      () =>
        applyBatch(pool, {
          group: config.consumerGroup,
          topic: batch.topic,
          partition: batch.partition,
          firstOffset,
          lastOffset,
          good,
          poison,
        }),
      retry,
    );

    if (outcome.kind === 'gap') {
      // Fail closed: never skip silently past records that were not applied.
      const id = `${batch.topic}/${batch.partition}`;
      gaps.add(id);
      metrics.offsetGaps.inc({ topic: batch.topic, partition: String(batch.partition) });
      log.error(
        {
          event: 'offset_gap',
          topic: batch.topic,
          partition: batch.partition,
          stored_next_offset: String(outcome.storedNextOffset),
          first_offset: String(outcome.firstOffset),
        },
        'Kafka offered records past the offset PostgreSQL applied; partition paused',
      );
      pause();
      return;
    }

    for (const reason of outcome.deadLettered) metrics.deadLetters.inc({ reason });
    metrics.eventsCounted.inc(outcome.counted);
    metrics.duplicatesDropped.inc(outcome.duplicates);
    metrics.alreadyApplied.inc(outcome.alreadyApplied);
    metrics.rowsUpserted.inc(outcome.rows);
    metrics.batchRecords.observe(batch.messages.length);
    metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    metrics.lag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(BigInt(batch.highWatermark) - outcome.nextOffset)),
    );

    resolveOffset(batch.lastOffset());
    // PostgreSQL has the offsets; a failed commit here only delays what tooling sees.
    await commitOffsetsIfNecessary().catch((error: unknown) =>
      log.warn({ event: 'kafka_commit_failed', err: error }, 'Kafka offset commit failed'),
    );
  }

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // NOTE: batches of different partitions touch different rows (the key is user_id, and so is
    // the partitioning), so applying them at once hides PostgreSQL's round trips and commits.
    partitionsConsumedConcurrently: config.partitionsConcurrently,
    eachBatch,
  });

  return {
    consumer,
    pausedForGap: () => [...gaps],
    joined: () => joined,
    async stop() {
      running = false;
      // Waits for the batch in flight, commits what was resolved, and leaves the group.
      await consumer.disconnect();
      await dlqProducer.disconnect();
    },
  };
}
