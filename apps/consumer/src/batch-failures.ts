// Reports a batch that keeps failing with an error that is not an outage and not a record's fault
// (contain-rejected.ts dead-letters those): a bug, a missing grant. retry.ts rethrows such an error
// at once and kafkajs fetches the same batch again after its own backoff (up to 5 s), for as long as
// it fails (refetchable below keeps kafkajs from stopping the consumer for good instead).
// Each failure is counted (tally_consumer_batch_failures_total{topic,partition,code}) and logged
// (the first of a batch with its stack, then one line per attempt), and the partition is named in
// /readyz until it applies a batch. Outages never count here: retry.ts waits them out in the batch.
import type { Batch } from 'kafkajs';
import type { Logger } from 'pino';
import { classify, failureCode } from './errors.ts';
import type { HandleBatch } from './handle-batch.ts';
import type { ConsumerMetrics } from './metrics.ts';

/** A batch by its identity: the same topic, partition and first offset is the same batch again. */
export interface BatchIdentity {
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
}

export interface FailingBatch extends BatchIdentity {
  /** The SQLSTATE, errno or error name (failureCode in errors.ts). */
  code: string;
  message: string;
  attempts: number;
  /** When this batch first failed, ms since the epoch. */
  since: number;
}

export interface BatchFailures {
  /** Records one failed attempt of `batch`; false (nothing recorded) for an outage or a revoked partition. */
  failed(batch: BatchIdentity, error: unknown): boolean;
  /** The partition applied a batch: its failure, if any, is over. */
  applied(topic: string, partition: number): void;
  /** Forgets the failures of partitions of `topic` this member no longer holds. */
  retain(topic: string, partitions: readonly number[]): void;
  failing(): FailingBatch[];
  /** `ok`, or each failing batch with its partition, code, attempts and message (a /readyz check). */
  readiness(): string;
}

export function createBatchFailures(deps: {
  metrics: Pick<ConsumerMetrics, 'batchFailures'>;
  log: Logger;
  now?: () => number;
}): BatchFailures {
  const { metrics, log, now = Date.now } = deps;
  const byPartition = new Map<string, FailingBatch>();
  const keyOf = (topic: string, partition: number) => `${topic}/${partition}`;

  return {
    failed(batch, error) {
      const failure = classify(error);
      if (failure.retriable) return false;
      const code = failureCode(failure);
      const key = keyOf(batch.topic, batch.partition);
      const previous = byPartition.get(key);
      const again = previous?.firstOffset === batch.firstOffset && previous.code === code;
      const current: FailingBatch = {
        ...batch,
        code,
        message: failure.message,
        attempts: again ? previous.attempts + 1 : 1,
        since: again ? previous.since : now(),
      };
      byPartition.set(key, current);
      metrics.batchFailures.inc({ topic: batch.topic, partition: String(batch.partition), code });
      const fields = {
        event: 'batch_failed',
        topic: batch.topic,
        partition: batch.partition,
        first_offset: batch.firstOffset,
        last_offset: batch.lastOffset,
        code,
        dependency: failure.dependency,
        attempt: current.attempts,
      };
      const text = `batch of partition ${batch.partition} failed with ${code}, not an outage; it is fetched again until it applies`;
      // NOTE: the stack once per batch; its repeats only say that it failed again, and how often.
      if (current.attempts === 1) log.error({ ...fields, err: error }, text);
      else log.error({ ...fields, error: failure.message }, text);
      return true;
    },

    applied(topic, partition) {
      const key = keyOf(topic, partition);
      const failing = byPartition.get(key);
      if (!failing) return;
      byPartition.delete(key);
      log.info(
        {
          event: 'batch_failure_resolved',
          topic,
          partition,
          code: failing.code,
          attempts: failing.attempts,
          failing_ms: now() - failing.since,
        },
        `partition ${partition} applies batches again after ${failing.attempts} failed attempts`,
      );
    },

    retain(topic, partitions) {
      for (const [key, failing] of byPartition) {
        if (failing.topic === topic && !partitions.includes(failing.partition)) byPartition.delete(key);
      }
    },

    failing: () => [...byPartition.values()],

    readiness() {
      if (byPartition.size === 0) return 'ok';
      return [...byPartition.values()]
        .map(
          (f) =>
            `partition ${f.partition} fails at offsets ${f.firstOffset}..${f.lastOffset} with ${f.code} ` +
            `(${f.attempts} attempts since ${new Date(f.since).toISOString()}): ${f.message}`,
        )
        .join('; ');
    },
  };
}

/** The identity of a non-empty batch kafkajs handed over. */
export function batchIdentity(
  batch: Pick<Batch, 'topic' | 'partition' | 'firstOffset' | 'lastOffset' | 'messages'>,
): BatchIdentity {
  return {
    topic: batch.topic,
    partition: batch.partition,
    // Not empty, so it exists; kafkajs types it as possibly null.
    firstOffset: batch.firstOffset() ?? batch.messages[0]?.offset ?? 'unknown',
    lastOffset: batch.lastOffset(),
  };
}

/**
 * `handleBatch`, reporting each failure to `failures` (and rethrowing it as it is, for kafkajs to
 * act on), and each applied batch. An empty batch applies nothing and says nothing.
 */
export function reportingFailures(handleBatch: HandleBatch, failures: BatchFailures): HandleBatch {
  // NOTE: passes on whatever else the group loop hands the handler, as it is.
  return async (payload, ...rest) => {
    const { batch } = payload;
    try {
      await handleBatch(payload, ...rest);
    } catch (error) {
      if (!batch.isEmpty()) failures.failed(batchIdentity(batch), error);
      throw refetchable(error);
    }
    if (!batch.isEmpty()) failures.applied(batch.topic, batch.partition);
  };
}

// kafkajs stops the consumer for good (no restart, the process lives on, consuming nothing) when
// eachBatch throws one of these or an error marked `retriable: false`; anything else makes it fetch
// the batch again after its backoff.
const KAFKAJS_UNRECOVERABLE = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError']);

/**
 * The error to hand kafkajs: the original, which kafkajs fetches the batch again on (a pg error has
 * no `retriable` field), or, for what would stop the consumer for good, a wrapper it retries too:
 * a batch that fails for a bug is reported here each time, never a consumer silently stopped.
 */
export function refetchable(error: unknown): unknown {
  const { name, retriable, message } = (error ?? {}) as { name?: unknown; retriable?: unknown; message?: unknown };
  if (retriable !== false && !(typeof name === 'string' && KAFKAJS_UNRECOVERABLE.has(name))) return error;
  const wrapped = new Error(`batch failed, to be fetched again: ${String(message ?? error)}`, { cause: error });
  wrapped.name = 'BatchFailed';
  return wrapped;
}
