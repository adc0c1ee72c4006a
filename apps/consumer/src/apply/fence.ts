// Step 1 of applying a batch: lock the partition's row in consumer_offsets and decide from its next_offset what of
// the batch is left to apply. The row stays locked until the statement's transaction ends, so two owners of one
// partition apply one after the other; a consumer that lost the partition and wakes up late finds next_offset past
// its records and applies nothing. The first batch of a partition makes its row first (createOffsetsRow).
import type pg from 'pg';
import type { BatchToApply } from './apply-batch.ts';

/**
 * Steps of the batch statement: `fence` locks the row and gives its next_offset; `go` gives it too, but only when
 * the batch is to be applied (first ≤ next_offset ≤ last): the later steps read only records at or past it, and do
 * nothing at all when `go` is empty (the whole batch applied before, or a gap).
 */
export function fenceSteps(row: string, firstOffset: string, lastOffset: string): string {
  return `fence AS (
  SELECT next_offset FROM consumer_offsets WHERE ${row} FOR UPDATE
), go AS (
  SELECT next_offset AS stored FROM fence WHERE next_offset BETWEEN ${firstOffset} AND ${lastOffset}
)`;
}

/**
 * Makes the row of a partition seen for the first time. It starts where the partition's log starts, not where this
 * batch does: when the commit that made its row was lost (a PostgreSQL crash), the records before this batch were
 * read but never applied, and a row made at this batch would skip them silently.
 */
export async function createOffsetsRow(client: pg.ClientBase, batch: BatchToApply): Promise<void> {
  // TRICKY: never past firstOffset: the log's start was read before this statement, and if
  // retention moved it past records Kafka has just returned, those are still to be applied.
  const logStart = batch.logStart === 'ask' ? undefined : batch.logStart;
  const start = logStart === undefined || logStart > batch.firstOffset ? batch.firstOffset : logStart;
  await client.query(
    'INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [batch.group, batch.topic, batch.partition, String(start)],
  );
}
