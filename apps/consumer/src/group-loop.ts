// The consumer group: joins it, subscribes to the report topic, holds each assigned partition
// until it is sought to the offset PostgreSQL holds (seek-on-assign.ts), heartbeats (kafkajs, and
// retry.ts while a batch waits out an outage), and hands each partition's batch to `handleBatch`,
// with the seek and the log's start it needs when PostgreSQL lost commits (partition-control.ts).
// Offsets are resolved and committed to Kafka by the handler, never automatically.
import type { Consumer, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from 'pino';
import { storedOffsets } from './apply/offsets.ts';
import type { ConsumerConfig } from './config.ts';
import type { HandleBatch } from './handle-batch.ts';
import { createPartitionControl } from './partition-control.ts';
import { createAssignmentSeeker } from './seek-on-assign.ts';

export interface GroupLoop {
  consumer: Consumer;
  joined: () => boolean;
  /** Assigned partitions paused until PostgreSQL's offsets are read (PostgreSQL unreachable at join). */
  awaitingSeek: () => number[];
  /** Waits for the batches in flight, commits what was resolved, and leaves the group. */
  stop: () => Promise<void>;
}

export async function runGroupLoop(deps: {
  kafka: Kafka;
  pool: pg.Pool;
  config: ConsumerConfig;
  log: Logger;
  handleBatch: HandleBatch;
}): Promise<GroupLoop> {
  const { kafka, pool, config, log, handleBatch } = deps;
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
  let running = true;
  let joined = false;

  await consumer.connect();
  await consumer.subscribe({ topic: config.reportTopic, fromBeginning: true });

  const seeker = createAssignmentSeeker({
    consumer,
    topic: config.reportTopic,
    readOffsets: () => storedOffsets(pool, config.consumerGroup, config.reportTopic),
    log,
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    joined = true;
    const partitions = payload.memberAssignment[config.reportTopic] ?? [];
    log.info({ event: 'partitions_assigned', topic: config.reportTopic, partitions }, 'partitions assigned');
    // TRICKY: synchronous, here, before kafkajs fetches the new assignment: the partitions stay
    // paused until they are sought to PostgreSQL's offsets (seek-on-assign.ts).
    seeker.onAssigned(partitions);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log.error({ event: 'consumer_crashed', err: payload.error, restart: payload.restart }, 'consumer crashed');
  });

  // Lent to each batch: a gap behind the batch is read again from PostgreSQL's offset (offset-gap.ts).
  const control = createPartitionControl(kafka, consumer);
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // NOTE: batches of different partitions touch different rows (the key is user_id, and so is
    // the partitioning), so applying them at once hides PostgreSQL's round trips and commits.
    partitionsConsumedConcurrently: config.partitionsConcurrently,
    eachBatch: (payload) => handleBatch(payload, () => !running, control),
  });

  return {
    consumer,
    joined: () => joined,
    awaitingSeek: () => seeker.waiting(),
    async stop() {
      running = false;
      seeker.stop();
      await consumer.disconnect();
      await control.stop();
    },
  };
}
