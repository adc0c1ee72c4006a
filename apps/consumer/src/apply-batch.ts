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

/** The set upsert of deltas into aggregates_minute or aggregates_hour (same columns, same key). */
const upsertInto = (table: string) => `
INSERT INTO ${table} AS a
  (bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at, updated_at)
SELECT b, u, ac, c, s, mn, mx, vc, f, l, now()
FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::bigint[], $5::float8[], $6::float8[], $7::float8[],
            $8::bigint[], $9::timestamptz[], $10::timestamptz[]) AS d(b, u, ac, c, s, mn, mx, vc, f, l)
ON CONFLICT (bucket_start, user_id, action) DO UPDATE SET
  event_count = a.event_count + EXCLUDED.event_count,
  value_sum = CASE WHEN EXCLUDED.value_sum IS NULL THEN a.value_sum ELSE COALESCE(a.value_sum, 0) + EXCLUDED.value_sum END,
  value_min = LEAST(a.value_min, EXCLUDED.value_min),
  value_max = GREATEST(a.value_max, EXCLUDED.value_max),
  -- NULL (a row from before value_count existed) stays NULL: its average is unknown, not guessed.
  value_count = a.value_count + EXCLUDED.value_count,
  first_occurred_at = LEAST(a.first_occurred_at, EXCLUDED.first_occurred_at),
  last_occurred_at = GREATEST(a.last_occurred_at, EXCLUDED.last_occurred_at),
  updated_at = now()`;

const UPSERT_MINUTES = upsertInto('aggregates_minute');
const UPSERT_HOURS = upsertInto('aggregates_hour');
// user_id is '' in the first and action '' in the second: hours summed over all users / actions.
const UPSERT_HOURS_PER_ACTION = upsertInto('aggregates_hour_per_action');
const UPSERT_HOURS_PER_USER = upsertInto('aggregates_hour_per_user');

const byKey = (a: AggregateDelta, b: AggregateDelta) =>
  a.bucketStart - b.bucketStart || a.userId.localeCompare(b.userId) || a.action.localeCompare(b.action);

function upsertParams(deltas: AggregateDelta[]): unknown[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    deltas.map((d) => iso(d.bucketStart)),
    deltas.map((d) => d.userId),
    deltas.map((d) => d.action),
    deltas.map((d) => d.count),
    deltas.map((d) => d.valueSum),
    deltas.map((d) => d.valueMin),
    deltas.map((d) => d.valueMax),
    deltas.map((d) => d.valueCount),
    deltas.map((d) => iso(d.firstOccurredAt)),
    deltas.map((d) => iso(d.lastOccurredAt)),
  ];
}

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
      await client.query(UPSERT_MINUTES, upsertParams(deltas));
      await client.query(UPSERT_HOURS, upsertParams(rollUpToHours(deltas).sort(byKey)));
      await client.query(UPSERT_HOURS_PER_ACTION, upsertParams(rollUpToHours(deltas, 'users').sort(byKey)));
      await client.query(UPSERT_HOURS_PER_USER, upsertParams(rollUpToHours(deltas, 'actions').sort(byKey)));
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
