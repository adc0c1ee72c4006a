// The aggregate tables as the consumer writes them and tests and tools read them back: the set
// upsert of deltas, and the counted part of a row in a form that compares and serialises.

/** The four relations readers query, with the same columns and key (bucket_start, user_id, action). */
export const AGGREGATE_TABLES = {
  minute: 'aggregates_minute',
  hour: 'aggregates_hour',
  /** user_id is '': hours summed over all users. A view: the sum of HOUR_PER_ACTION_SHARDS' rows. */
  hourPerAction: 'aggregates_hour_per_action',
  /** action is '': hours summed over all actions. */
  hourPerUser: 'aggregates_hour_per_user',
} as const;

export type AggregateTable = (typeof AGGREGATE_TABLES)[keyof typeof AGGREGATE_TABLES];

/**
 * The per-action hourly rollup as the consumer writes it: partial rows keyed (bucket_start,
 * action, shard), the shard being the Kafka partition whose batches wrote the row, so batches of
 * two partitions never upsert the same row (-1: rows summed before the table existed).
 */
export const HOUR_PER_ACTION_SHARDS = 'aggregates_hour_per_action_shard';

/** The tables a batch's transaction upserts; aggregates_hour_per_action is the sum of one of them. */
export const WRITTEN_AGGREGATE_TABLES = [
  AGGREGATE_TABLES.minute,
  AGGREGATE_TABLES.hour,
  HOUR_PER_ACTION_SHARDS,
  AGGREGATE_TABLES.hourPerUser,
] as const;

export type WrittenAggregateTable = (typeof WRITTEN_AGGREGATE_TABLES)[number];

/** What a batch adds to one row: its events' count, value statistics and time span. */
export interface AggregateDelta {
  bucketStart: number;
  userId: string;
  action: string;
  count: number;
  /** Over the events that carry a value; null when none did. */
  valueSum: number | null;
  valueMin: number | null;
  valueMax: number | null;
  /** How many of the events carried a value (for an exact average). */
  valueCount: number;
  firstOccurredAt: number;
  lastOccurredAt: number;
}

/**
 * An upsert into one aggregate table of the rows a SELECT gives, in the table's column order
 * (bucket_start, user_id, action, [shard,] event_count, value_sum, value_min, value_max,
 * value_count, first_occurred_at, last_occurred_at), merged into existing rows by the one set of
 * merge rules: the consumer's batch statement and upsertAggregatesSql use it.
 */
export function aggregateUpsert(table: WrittenAggregateTable, select: string): string {
  const sharded = table === HOUR_PER_ACTION_SHARDS;
  return `INSERT INTO ${table} AS a
  (bucket_start, user_id, action, ${sharded ? 'shard, ' : ''}event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at)
${select}
ON CONFLICT (${sharded ? 'bucket_start, action, shard' : 'bucket_start, user_id, action'}) DO UPDATE SET
  event_count = a.event_count + EXCLUDED.event_count,
  value_sum = CASE WHEN EXCLUDED.value_sum IS NULL THEN a.value_sum ELSE COALESCE(a.value_sum, 0) + EXCLUDED.value_sum END,
  value_min = LEAST(a.value_min, EXCLUDED.value_min),
  value_max = GREATEST(a.value_max, EXCLUDED.value_max),
  -- NULL (a row from before value_count existed) stays NULL: its average is unknown, not guessed.
  value_count = a.value_count + EXCLUDED.value_count,
  first_occurred_at = LEAST(a.first_occurred_at, EXCLUDED.first_occurred_at),
  last_occurred_at = GREATEST(a.last_occurred_at, EXCLUDED.last_occurred_at),
  updated_at = now()`;
}

/**
 * The set upsert of deltas into one aggregate table: one statement, arrays bound once. Into
 * HOUR_PER_ACTION_SHARDS the rows go to the shard given as the eleventh parameter
 * (upsertAggregatesParams' `shard`).
 */
export function upsertAggregatesSql(table: WrittenAggregateTable): string {
  const sharded = table === HOUR_PER_ACTION_SHARDS;
  return aggregateUpsert(
    table,
    `SELECT b, u, ac, ${sharded ? '$11::integer, ' : ''}c, s, mn, mx, vc, f, l
FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::bigint[], $5::float8[], $6::float8[], $7::float8[],
            $8::bigint[], $9::timestamptz[], $10::timestamptz[]) AS d(b, u, ac, c, s, mn, mx, vc, f, l)`,
  );
}

/** The parameters of upsertAggregatesSql: one array per column, and the shard for HOUR_PER_ACTION_SHARDS. */
export function upsertAggregatesParams(deltas: readonly AggregateDelta[], shard?: number): unknown[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  const columns = [
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
  return shard === undefined ? columns : [...columns, shard];
}

/**
 * The counted part of an aggregates_minute row, JSON-friendly: what the load ledger records, what
 * the fault suite and the tests compare with the database.
 */
export interface CountedRow {
  /** ISO 8601, UTC. */
  bucket_start: string;
  user_id: string;
  action: string;
  event_count: number;
  value_sum: number | null;
  value_min: number | null;
  value_max: number | null;
}

/** Reads CountedRows; append a WHERE clause as needed. */
export const SELECT_COUNTED_ROWS = `SELECT bucket_start, user_id, action, event_count::float8 AS event_count, value_sum, value_min, value_max
FROM ${AGGREGATE_TABLES.minute}`;

/** A row read with SELECT_COUNTED_ROWS, with its bucket as an ISO string. */
export function countedRow(row: Omit<CountedRow, 'bucket_start'> & { bucket_start: Date | string }): CountedRow {
  return { ...row, bucket_start: new Date(row.bucket_start).toISOString() };
}

/** Sorts rows by key (bucket, user, action), so two lists compare with one deep equality. */
export function byCountedKey(a: CountedRow, b: CountedRow): number {
  return a.bucket_start.localeCompare(b.bucket_start) || a.user_id.localeCompare(b.user_id) || a.action.localeCompare(b.action);
}
