// One partition's batch, step by step: check it comes from the log PostgreSQL's offsets came from
// (log-identity/guard.ts: before, and after for the log's end), decode it (decode-batch.ts), hold back the poison
// PostgreSQL already applied (applied-poison.ts), send the rest of the poison to the dead-letter
// topic (dead-letter.ts), apply the batch to PostgreSQL with the offsets (apply/; records PostgreSQL
// refuses are dead-lettered one by one, contain-rejected.ts), then record the
// outcome: metrics and Kafka's offset (kafka-commit.ts), or, for an offset gap, a seek back to
// PostgreSQL's offset or a paused partition (offset-gap.ts).
// Each step is retried through outages (retry.ts). Kafka's committed offsets follow PostgreSQL's
// and only serve tooling and lag monitoring.
import type { ReportCodec } from '@tally/schemas/codec';
import type { Batch, EachBatchPayload } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from 'pino';
import { splitAppliedPoison } from './applied-poison.ts';
import { type ApplyOutcome, applyBatch, type BatchToApply } from './apply/apply-batch.ts';
import { type BatchIdentity, storedOffsets } from './apply/offsets.ts';
import { applyContaining, type ContainDeps, MAX_CONTAINED } from './contain-rejected.ts';
import type { DeadLetterWriter } from './dead-letter.ts';
import { decodeBatch } from './decode-batch.ts';
import { commitToKafka } from './kafka-commit.ts';
import type { ConsumerMetrics } from './metrics.ts';
import { handleGap } from './offset-gap.ts';
import type { PartitionControl } from './partition-control.ts';
import { type RetryContext, withRetry } from './retry.ts';

/**
 * `stopping` is true once the consumer is shutting down. `control` is the group loop's: without
 * it (a handler driven alone, in tests) a partition's first row starts at the batch and any gap
 * pauses the partition.
 */
export type HandleBatch = (payload: EachBatchPayload, stopping: () => boolean, control?: PartitionControl) => Promise<void>;

export function createBatchHandler(deps: {
  pool: pg.Pool;
  codec: ReportCodec;
  group: string;
  writeDeadLetters: DeadLetterWriter;
  /** Partitions refused for an offset gap (`topic/partition`), waiting for an operator. */
  gaps: Set<string>;
  log: Logger;
  metrics: ConsumerMetrics;
}): HandleBatch {
  const { pool, codec, group, writeDeadLetters, gaps, log, metrics } = deps;
  const commitFailures = metrics.kafkaCommitFailures;
  /** Partitions (`topic/partition`) where PostgreSQL refused too many records to contain them. */
  const uncontained = new Set<string>();

  return async function handleBatch(payload, stopping, control) {
    const { batch } = payload;
    if (batch.isEmpty()) return;
    // A stopped partition, or a batch that shows the log is not the one: nothing applied or resolved.
    if (control !== undefined && !control.identity.admits(batch)) return;
    const started = process.hrtime.bigint();
    const retry = retryContext(payload, stopping, deps);
    const gapDeps = { control, gaps, log, metrics, retry };
    const partitionKey = `${batch.topic}/${batch.partition}`;

    const { good, poison } = await withRetry(() => decodeBatch(codec, batch.messages), retry);
    // NOTE: PostgreSQL is asked only for a batch with poison, which is rare.
    const storedNext =
      poison.length === 0
        ? undefined
        : (await withRetry(() => storedOffsets(pool, group, batch.topic), retry)).get(batch.partition);
    const offsets = offsetsOf(batch);
    if (storedNext !== undefined && storedNext < offsets.firstOffset) {
      // NOTE: a gap found before the dead-letter step: this batch's poison is not sent now, only
      // when the records are read again from PostgreSQL's offset (else it would be sent twice).
      return handleGap(payload, { kind: 'gap', storedNextOffset: storedNext, firstOffset: offsets.firstOffset }, gapDeps);
    }
    const { fresh, applied } = splitAppliedPoison(poison, storedNext);
    const deadLettered = await withRetry(() => writeDeadLetters(batch.topic, batch.partition, fresh), retry);
    // The log's identity rides with the batch to moveOffset (apply/offsets.ts), written with next_offset.
    const identity = control === undefined ? {} : { logIdentity: control.identity.identityOf(batch) };
    const toApply: BatchToApply & { logIdentity?: BatchIdentity } = {
      group,
      ...offsets,
      good,
      poison: deadLettered,
      ...identity,
    };
    // Records PostgreSQL refuses are dead-lettered one by one instead of failing the batch forever.
    const contain: ContainDeps = {
      apply: (part) => withRetry(() => applyBatch(pool, part), retry),
      deadLetter: (records) => withRetry(() => writeDeadLetters(batch.topic, batch.partition, records), retry),
      messageAt: (offset) => batch.messages.find((m) => BigInt(m.offset) === offset),
      limit: uncontained.has(partitionKey) ? 0 : MAX_CONTAINED,
      onLimit: () => {
        uncontained.add(partitionKey);
        log.error(
          { event: 'containment_stopped', topic: batch.topic, partition: batch.partition, limit: MAX_CONTAINED },
          `PostgreSQL refused more than ${MAX_CONTAINED} records of one batch: not dead-lettering more; the partition stops until its batches apply`,
        );
      },
    };
    let outcome = await applyContaining(control ? { ...toApply, logStart: 'ask' } : toApply, contain);
    if (outcome.kind === 'no-offsets-row' && control !== undefined) {
      // A partition without a row (never applied, or the commit that made its row was lost): its
      // row starts at the log's start, asked of Kafka outside the transaction.
      const logStart = await withRetry(() => control.logStart(batch.topic, batch.partition), retry);
      outcome = await applyContaining({ ...toApply, logStart }, contain);
    }

    if (outcome.kind === 'gap') return handleGap(payload, outcome, gapDeps);
    uncontained.delete(partitionKey);
    // Only after 'ask', which this branch rules out; here for the type.
    if (outcome.kind === 'no-offsets-row') throw new Error('no offsets row after the log start was given');
    // A log ending below next_offset (recreated, truncated) stops the partition; this batch was all applied already.
    if (control !== undefined) {
      // TRICKY: the batch's high watermark was read at its fetch, maybe long ago (a member frozen
      // since then, whose batch another member has applied far past): a log end below next_offset
      // is asked of Kafka again before the partition is stopped for it.
      let logEnd = BigInt(batch.highWatermark);
      if (logEnd < outcome.nextOffset) {
        const log = await withRetry(() => control.describeLog(batch.topic), retry);
        logEnd = log.partitions.get(batch.partition)?.end ?? logEnd;
      }
      if (!control.identity.afterApplied(batch, outcome.nextOffset, logEnd)) return;
    }
    recordApplied(batch, outcome, applied.length, started, metrics);
    payload.resolveOffset(batch.lastOffset());
    // Also for a batch found already applied: Kafka's copy then catches up with PostgreSQL's.
    await commitToKafka(payload, outcome.nextOffset, { log, failures: commitFailures });
  };
}

function retryContext(
  { heartbeat, isRunning, isStale }: EachBatchPayload,
  stopping: () => boolean,
  { log, metrics }: { log: Logger; metrics: ConsumerMetrics },
): RetryContext {
  return {
    heartbeat,
    shouldContinue: () => !stopping() && isRunning() && !isStale(),
    onRetry: (dependency, attempt, error) => {
      metrics.retries.inc({ dependency });
      log.warn({ event: 'dependency_retry', dependency, attempt, err: error }, `${dependency} unavailable, retrying`);
    },
  };
}

function offsetsOf(batch: Batch) {
  return {
    topic: batch.topic,
    partition: batch.partition,
    // Not empty, so both exist; kafkajs types them as possibly null.
    firstOffset: BigInt(batch.firstOffset() ?? batch.messages[0]?.offset ?? '0'),
    lastOffset: BigInt(batch.lastOffset()),
  };
}

function recordApplied(
  batch: Batch,
  applied: Extract<ApplyOutcome, { kind: 'applied' }>,
  /** Poison held back before the dead-letter step as already applied (never reached the fence). */
  poisonAlreadyApplied: number,
  started: bigint,
  metrics: ConsumerMetrics,
): void {
  for (const reason of applied.deadLettered) metrics.deadLetters.inc({ reason });
  metrics.eventsCounted.inc(applied.counted);
  metrics.duplicatesDropped.inc(applied.duplicates);
  metrics.alreadyApplied.inc(applied.alreadyApplied + poisonAlreadyApplied);
  metrics.rowsUpserted.inc(applied.rows);
  metrics.batchRecords.observe(batch.messages.length);
  metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  metrics.lag.set(
    { topic: batch.topic, partition: String(batch.partition) },
    Math.max(0, Number(BigInt(batch.highWatermark) - applied.nextOffset)),
  );
}
