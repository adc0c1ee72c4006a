// Kafka's copy of a partition's offset, committed once PostgreSQL committed the batch: advisory,
// for `kafka-consumer-groups --describe` and lag tools, and as where a member would start if its
// seek to PostgreSQL's offset (seek-on-assign.ts) could not happen. A failed commit is logged and
// counted, never fails the batch: PostgreSQL has the offset, and the next commit catches up.
import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

export async function commitToKafka(
  { batch, commitOffsetsIfNecessary }: Pick<EachBatchPayload, 'batch' | 'commitOffsetsIfNecessary'>,
  nextOffset: bigint,
  { log, failures }: { log: Logger; failures: Counter<'topic' | 'partition'> },
): Promise<void> {
  const { topic, partition } = batch;
  // TRICKY: Kafka's committed offset is the next record to read, PostgreSQL's next_offset, not
  // the last record applied. And the offsets are passed explicitly: with autoCommit off, kafkajs
  // 2.2.4's commitOffsetsIfNecessary() without them commits only past an interval or threshold,
  // and both are unset, so it never commits; with them it commits those offsets at once, one
  // attempt (runner.js: `offsets ? consumerGroup.commitOffsets(offsets) : …IfNecessary()`).
  const offsets = { topics: [{ topic, partitions: [{ partition, offset: String(nextOffset) }] }] };
  try {
    await commitOffsetsIfNecessary(offsets);
  } catch (error) {
    failures.inc({ topic, partition: String(partition) });
    log.warn(
      { event: 'kafka_commit_failed', topic, partition, next_offset: String(nextOffset), err: error },
      'advisory Kafka offset commit failed; PostgreSQL holds the offset',
    );
  }
}
