// The last step of applying a batch: move the partition's next_offset past the batch, in its
// transaction. Also where the group loop reads those offsets to seek to.
import type { ConsumerOffsetRow } from '@tally/db';
import type { ReportEvent } from '@tally/schemas';
import type pg from 'pg';

/** Sets next_offset past the batch and adds its counted events; returns the new next_offset. */
export async function moveOffset(
  client: pg.ClientBase,
  batch: { group: string; topic: string; partition: number; lastOffset: bigint },
  counted: ReportEvent[],
): Promise<bigint> {
  const nextOffset = batch.lastOffset + 1n;
  const newest = counted.reduce((max, e) => Math.max(max, e.occurred_at), Number.NEGATIVE_INFINITY);
  await client.query(
    `UPDATE consumer_offsets SET next_offset = $4, events_counted = events_counted + $5,
         newest_occurred_at = GREATEST(newest_occurred_at, $6::timestamptz), updated_at = now()
       WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
    [
      batch.group,
      batch.topic,
      batch.partition,
      String(nextOffset),
      counted.length,
      counted.length > 0 ? new Date(newest).toISOString() : null,
    ],
  );
  return nextOffset;
}

/** Where PostgreSQL says each partition of the topic resumes, for seeking on assignment. */
export async function storedOffsets(pool: pg.Pool, group: string, topic: string): Promise<Map<number, bigint>> {
  const { rows } = await pool.query<Pick<ConsumerOffsetRow, 'partition' | 'next_offset'>>(
    'SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2',
    [group, topic],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}
