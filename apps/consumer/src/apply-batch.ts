import { AGGREGATE_TABLES, upsertAggregatesParams, upsertAggregatesSql } from '@tally/db';
import type pg from 'pg';
import { type AggregateDelta, aggregate, rollUpToHours } from './aggregate.ts';
import type { GoodRecord, PoisonRecord } from './decode-batch.ts';

/**
 * One batch of one partition, applied in one transaction: lock the partition's offset row, skip
 * what is already applied, drop resent event ids, upsert the aggregate deltas as a set, remember
 * the ids and dead letters, move next_offset. The locked offset row is the fence: a consumer that
 * lost the partition and wakes up late finds next_offset past its records and applies nothing.
 */
export interface BatchToApply {
  group: string;
  topic: string;
  partition: number;
  firstOffset: bigint;
  lastOffset: bigint;
  good: GoodRecord[];
  poison: PoisonRecord[];
}

export type ApplyOutcome =
  | {
      kind: 'applied';
      nextOffset: bigint;
      counted: number;
      duplicates: number;
      alreadyApplied: number;
      rows: number;
      /** Reason codes of the poison records this batch recorded as dead letters. */
      deadLettered: string[];
    }
  /** Kafka offered records past PostgreSQL's next_offset: some were never applied. Fail closed. */
  | { kind: 'gap'; storedNextOffset: bigint; firstOffset: bigint };

const UPSERT_MINUTES = upsertAggregatesSql(AGGREGATE_TABLES.minute);
const UPSERT_HOURS = upsertAggregatesSql(AGGREGATE_TABLES.hour);
const UPSERT_HOURS_PER_ACTION = upsertAggregatesSql(AGGREGATE_TABLES.hourPerAction);
const UPSERT_HOURS_PER_USER = upsertAggregatesSql(AGGREGATE_TABLES.hourPerUser);

const byKey = (a: AggregateDelta, b: AggregateDelta) =>
  a.bucketStart - b.bucketStart || a.userId.localeCompare(b.userId) || a.action.localeCompare(b.action);

// TRICKY: `event_id = ANY($1)` reads the same, but the planner turns it into a (parallel) scan of
// the whole day's partition once the array is large: a batch then costs more the longer the day
// runs (480 ms at 770,000 ids). `IN (SELECT unnest(...))` keeps it to one index probe per id, and
// the `seen_on` bound prunes the partitions made ahead for the coming days.
export const SEEN_BEFORE = `
SELECT event_id::text AS id FROM seen_events
WHERE event_id IN (SELECT unnest($1::uuid[])) AND seen_on <= (now() AT TIME ZONE 'UTC')::date`;

export async function applyBatch(pool: pg.Pool, batch: BatchToApply): Promise<ApplyOutcome> {
  const client = await pool.connect();
  let failure: Error | undefined;
  // TRICKY: a checked-out client whose connection drops between two queries emits 'error', and an
  // unheard 'error' event kills the process (seen in the fault suite's PostgreSQL outage). Heard
  // here, the next query fails instead, and the batch is retried as an outage.
  const onError = (error: Error) => {
    failure = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const key = [batch.group, batch.topic, batch.partition];
    // A partition seen for the first time starts where Kafka's first record is.
    await client.query(
      'INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [...key, String(batch.firstOffset)],
    );
    const { rows } = await client.query<{ next_offset: string }>(
      'SELECT next_offset FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
      key,
    );
    const stored = BigInt(rows[0]?.next_offset ?? String(batch.firstOffset));

    // TRICKY: offsets below `stored` were applied by whoever held the partition before (or by
    // this consumer before a crash); applying from `stored` on keeps each record counted once.
    if (stored < batch.firstOffset) {
      await client.query('ROLLBACK');
      return { kind: 'gap', storedNextOffset: stored, firstOffset: batch.firstOffset };
    }
    const good = batch.good.filter((r) => r.offset >= stored);
    const poison = batch.poison.filter((r) => r.offset >= stored);
    const alreadyApplied = batch.good.length + batch.poison.length - good.length - poison.length;
    if (stored > batch.lastOffset) {
      await client.query('ROLLBACK');
      return { kind: 'applied', nextOffset: stored, counted: 0, duplicates: 0, alreadyApplied, rows: 0, deadLettered: [] };
    }

    // Resends: ids counted in an earlier batch, or twice in this one.
    const ids = [...new Set(good.map((r) => r.event.event_id))];
    const seen = new Set(ids.length === 0 ? [] : (await client.query<{ id: string }>(SEEN_BEFORE, [ids])).rows.map((r) => r.id));
    const counted = [];
    for (const record of good) {
      if (seen.has(record.event.event_id)) continue;
      seen.add(record.event.event_id);
      counted.push(record.event);
    }

    // Sorted, so concurrent transactions take row locks in one order.
    const deltas = aggregate(counted).sort(byKey);
    if (deltas.length > 0) {
      await client.query(UPSERT_MINUTES, upsertAggregatesParams(deltas));
      await client.query(UPSERT_HOURS, upsertAggregatesParams(rollUpToHours(deltas).sort(byKey)));
      await client.query(UPSERT_HOURS_PER_ACTION, upsertAggregatesParams(rollUpToHours(deltas, 'users').sort(byKey)));
      await client.query(UPSERT_HOURS_PER_USER, upsertAggregatesParams(rollUpToHours(deltas, 'actions').sort(byKey)));
      await client.query(
        "INSERT INTO seen_events (event_id, seen_on) SELECT unnest($1::uuid[]), (now() AT TIME ZONE 'UTC')::date ON CONFLICT DO NOTHING",
        [counted.map((e) => e.event_id)],
      );
    }
    if (poison.length > 0) {
      await client.query(
        `INSERT INTO dead_letters (topic, partition, "offset", reason_code, reason)
         SELECT $1, $2, unnest($3::bigint[]), unnest($4::text[]), unnest($5::text[]) ON CONFLICT DO NOTHING`,
        [
          batch.topic,
          batch.partition,
          poison.map((p) => String(p.offset)),
          poison.map((p) => p.code),
          poison.map((p) => p.reason),
        ],
      );
    }
    const nextOffset = batch.lastOffset + 1n;
    const newest = counted.reduce((max, e) => Math.max(max, e.occurred_at), Number.NEGATIVE_INFINITY);
    await client.query(
      `UPDATE consumer_offsets SET next_offset = $4, events_counted = events_counted + $5,
         newest_occurred_at = GREATEST(newest_occurred_at, $6::timestamptz), updated_at = now()
       WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
      [...key, String(nextOffset), counted.length, counted.length > 0 ? new Date(newest).toISOString() : null],
    );
    await client.query('COMMIT');
    return {
      kind: 'applied',
      nextOffset,
      counted: counted.length,
      duplicates: good.length - counted.length,
      alreadyApplied,
      rows: deltas.length,
      deadLettered: poison.map((p) => p.code),
    };
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A client whose transaction failed is discarded: its connection may be the broken part.
    client.removeListener('error', onError);
    client.release(failure);
  }
}

/** Where PostgreSQL says each partition of the topic resumes, for seeking on assignment. */
export async function storedOffsets(pool: pg.Pool, group: string, topic: string): Promise<Map<number, bigint>> {
  const { rows } = await pool.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2',
    [group, topic],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}
