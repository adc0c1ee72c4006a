// A batch that starts past PostgreSQL's next_offset: records between the two were read but never
// applied, because PostgreSQL lost the commits that applied them (a crash with
// synchronous_commit=off loses the last commits together with their offsets, as it should) while
// this consumer's Kafka position had moved on. If Kafka's log still holds next_offset, the
// partition is sought back there and those records are read, and applied, again. If retention
// already dropped them, they are gone: the partition is paused, /readyz says so, and an operator
// decides. Never a silent skip.
import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { ApplyOutcome } from './apply/apply-batch.ts';
import type { ConsumerMetrics } from './metrics.ts';
import type { PartitionControl } from './partition-control.ts';
import { type RetryContext, withRetry } from './retry.ts';

type Gap = Extract<ApplyOutcome, { kind: 'gap' }>;

export async function handleGap(
  payload: EachBatchPayload,
  gap: Gap,
  deps: {
    /** Absent only where the handler is driven without a group loop (tests): then it pauses. */
    control: PartitionControl | undefined;
    gaps: Set<string>;
    log: Logger;
    metrics: ConsumerMetrics;
    retry: RetryContext;
  },
): Promise<void> {
  const { batch } = payload;
  const { control, log, retry } = deps;
  if (control !== undefined) {
    const logStart = await withRetry(() => control.logStart(batch.topic, batch.partition), retry);
    // TRICKY: `>=`: the log start offset is the first record Kafka still has, so a next_offset
    // equal to it is readable; only one below it names records retention has deleted.
    if (gap.storedNextOffset >= logStart) {
      log.warn(
        {
          event: 'offset_rewind',
          topic: batch.topic,
          partition: batch.partition,
          stored_next_offset: String(gap.storedNextOffset),
          first_offset: String(gap.firstOffset),
          log_start_offset: String(logStart),
        },
        'PostgreSQL’s next_offset is behind the batch (commits lost); reading the partition again from it',
      );
      deps.metrics.offsetRewinds.inc({ topic: batch.topic, partition: String(batch.partition) });
      // NOTE: nothing is resolved or committed for this batch; the next fetch starts at next_offset.
      control.seek(batch.topic, batch.partition, gap.storedNextOffset);
      return;
    }
    pauseForGap(payload, gap, deps, logStart);
    return;
  }
  pauseForGap(payload, gap, deps, undefined);
}

/** Fail closed: never skip silently past records that were not applied. */
function pauseForGap(
  { batch, pause }: EachBatchPayload,
  gap: Gap,
  { gaps, log, metrics }: { gaps: Set<string>; log: Logger; metrics: ConsumerMetrics },
  logStart: bigint | undefined,
): void {
  gaps.add(`${batch.topic}/${batch.partition}`);
  metrics.offsetGaps.inc({ topic: batch.topic, partition: String(batch.partition) });
  log.error(
    {
      event: 'offset_gap',
      topic: batch.topic,
      partition: batch.partition,
      stored_next_offset: String(gap.storedNextOffset),
      first_offset: String(gap.firstOffset),
      log_start_offset: logStart === undefined ? null : String(logStart),
    },
    'Kafka no longer holds records PostgreSQL never applied (deleted by retention, or another log); partition paused. ' +
      'Decide what to do, move consumer_offsets.next_offset for this group, topic and partition, and restart the consumer',
  );
  pause();
}
