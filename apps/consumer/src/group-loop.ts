// The consumer group: joins it, subscribes to the report topic, holds each assigned partition
// until it is sought to the offset PostgreSQL holds, if Kafka's log is the one that offset came
// from (seek-on-assign.ts), heartbeats (kafkajs, and retry.ts while a batch waits out an outage),
// and hands each partition's batch to `handleBatch`, with the seek and the log's start it needs
// when PostgreSQL lost commits and the guard of the log's identity (partition-control.ts).
// Partitions stopped for their log are judged again once an operator resets them.
// Offsets are resolved and committed to Kafka by the handler, never automatically.
import type { Consumer, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from 'pino';
import { storedPositions } from './apply/offsets.ts';
import type { ConsumerConfig } from './config.ts';
import type { HandleBatch } from './handle-batch.ts';
import { createLogIdentityGuard } from './log-identity/guard.ts';
import type { ConsumerMetrics } from './metrics.ts';
import { createPartitionControl } from './partition-control.ts';
import { createAssignmentSeeker } from './seek-on-assign.ts';

/** How often stopped partitions are looked at for an operator's reset. */
const RECHECK_STOPPED_MS = 2_000;

export interface GroupLoop {
  consumer: Consumer;
  joined: () => boolean;
  /** The error kafkajs stopped consuming on without restarting (the process lives on), if it did. */
  stoppedForGood: () => Error | undefined;
  /** Assigned partitions paused until PostgreSQL's offsets are read (PostgreSQL unreachable at join). */
  awaitingSeek: () => number[];
  /** 'ok', or the partitions stopped because their log is not the one their offsets came from. */
  logIdentity: () => string;
  /** Waits for the batches in flight, commits what was resolved, and leaves the group. */
  stop: () => Promise<void>;
}

export async function runGroupLoop(deps: {
  kafka: Kafka;
  pool: pg.Pool;
  config: ConsumerConfig;
  log: Logger;
  metrics: ConsumerMetrics;
  handleBatch: HandleBatch;
  /** How often stopped partitions are looked at for a reset (tests shorten it). */
  recheckStoppedMs?: number;
}): Promise<GroupLoop> {
  const { kafka, pool, config, log, metrics, handleBatch, recheckStoppedMs = RECHECK_STOPPED_MS } = deps;
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

  const topic = config.reportTopic;
  const identity = createLogIdentityGuard({ consumer, pool, group: config.consumerGroup, topic, log, metrics });
  // Lent to each batch: a gap behind the batch is read again from PostgreSQL's offset
  // (offset-gap.ts), and the log's identity is checked before and after (log-identity/guard.ts).
  const control = createPartitionControl(kafka, consumer, identity);
  const seeker = createAssignmentSeeker({
    consumer,
    topic,
    readStored: () => storedPositions(pool, config.consumerGroup, topic),
    readLog: () => control.describeLog(topic),
    identity,
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
  let stoppedForGood: Error | undefined;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) stoppedForGood = payload.error;
    log.error(
      { event: 'consumer_crashed', err: payload.error, restart: payload.restart },
      payload.restart
        ? 'consumer crashed; kafkajs restarts it'
        : 'consumer crashed and kafkajs will not restart it: restart the consumer',
    );
  });
  // TRICKY: kafkajs neither rejoins nor reports a topic deleted under it (its metadata refresh
  // fails and the fetch is retried): a FETCH_START with no FETCH after the one before is the only
  // trace, and the guard then checks each partition's last record before reading past it.
  consumer.on(consumer.events.FETCH_START, ({ payload }) => identity.fetchStarted(payload.nodeId));
  consumer.on(consumer.events.FETCH, ({ payload }) => identity.fetchDone(payload.nodeId));

  let rechecking = false;
  const recheck = setInterval(() => {
    if (rechecking) return;
    rechecking = true;
    identity
      .cleared()
      .then((partitions) => seeker.reconsider(partitions))
      .catch((error: unknown) =>
        log.warn({ event: 'stopped_partitions_check_failed', topic, err: error }, 'could not read the stopped partitions’ rows'),
      )
      .finally(() => {
        rechecking = false;
      });
  }, recheckStoppedMs);
  recheck.unref();

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // NOTE: batches of different partitions write different rows (the per-user rows are keyed by
    // user_id, the partitioning key; the per-action rollup has rows per partition), save a user or
    // an event id on two partitions at once (docs/architecture.md, "What partitions share"), so
    // applying them at once hides PostgreSQL's round trips and commits.
    partitionsConsumedConcurrently: config.partitionsConcurrently,
    eachBatch: (payload) => handleBatch(payload, () => !running, control),
  });

  return {
    consumer,
    joined: () => joined,
    stoppedForGood: () => stoppedForGood,
    awaitingSeek: () => seeker.waiting(),
    logIdentity: () => identity.readiness(),
    async stop() {
      running = false;
      clearInterval(recheck);
      seeker.stop();
      await consumer.disconnect();
      await control.stop();
    },
  };
}
