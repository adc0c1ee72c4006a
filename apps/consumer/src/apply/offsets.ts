// Step 4 of applying a batch: record the dead letters and move the partition's next_offset past
// the batch, in its transaction. Also where the group loop reads those offsets to seek to.
import type { ReportEvent } from '@tally/schemas';
import type pg from 'pg';
import type { PoisonRecord } from '../decode-batch.ts';

/** One row per poison record, beside the copy dead-letter.ts sent to the dead-letter topic. */
export async function recordDeadLetters(
  client: pg.ClientBase,
  source: { topic: string; partition: number },
  poison: PoisonRecord[],
): Promise<void> {
  if (poison.length === 0) return;
  await client.query(
    `INSERT INTO dead_letters (topic, partition, "offset", reason_code, reason)
         SELECT $1, $2, unnest($3::bigint[]), unnest($4::text[]), unnest($5::text[]) ON CONFLICT DO NOTHING`,
    [source.topic, source.partition, poison.map((p) => String(p.offset)), poison.map((p) => p.code), poison.map((p) => p.reason)],
  );
}

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
  const { rows } = await pool.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2',
    [group, topic],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}
