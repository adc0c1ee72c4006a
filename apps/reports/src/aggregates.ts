// GET /v1/aggregates: count, sum, min, max and avg per bucket (and per user and/or action), rolled up in PostgreSQL.
// Minutes come from aggregates_minute; hours and days from aggregates_hour, or from the per-action rollup's rows when no
// user is asked for; the consumer keeps all of them in the same transaction. Rows in key order, a page at a time.
import { HOUR_PER_ACTION_SHARDS } from '@tally/db';
import type { AggregateRow, AggregatesPage } from '@tally/reports-api';
import type pg from 'pg';
import { type CursorKey, decodeCursor, encodeCursor } from './cursor.ts';
import type { AggregatesQuery } from './query-params.ts';
import { widen } from './time-range.ts';

const BUCKET_SQL = {
  minute: { table: 'aggregates_minute', bucket: 'bucket_start' },
  hour: { table: 'aggregates_hour', bucket: 'bucket_start' },
  day: { table: 'aggregates_hour', bucket: "date_trunc('day', bucket_start, 'UTC')" },
} as const;

export async function queryAggregates(pool: pg.Pool, query: AggregatesQuery): Promise<AggregatesPage> {
  const range = widen(query, query.granularity);
  const { bucket } = BUCKET_SQL[query.granularity];
  // Hours summed over all users answer anything that neither filters nor groups by user.
  // NOTE: read as the partitions' partial rows, not through the view aggregates_hour_per_action that sums them: the
  // sums, min, max and the avg's known-count test below give the same numbers over either (floating-point sums up to
  // the order they are added in), and a year of days is aggregated once instead of twice (about twice as fast).
  const overAllUsers = query.userId === undefined && !query.groupBy.includes('user_id');
  const table = query.granularity !== 'minute' && overAllUsers ? HOUR_PER_ACTION_SHARDS : BUCKET_SQL[query.granularity].table;
  // Identifiers come from fixed lists above (never from the request); every value is a parameter.
  const keys = query.groupBy;
  const params: unknown[] = [new Date(range.from), new Date(range.to)];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['bucket_start >= $1', 'bucket_start < $2'];
  if (query.userId !== undefined) where.push(`user_id = ${param(query.userId)}`);
  if (query.action !== undefined) where.push(`action = ${param(query.action)}`);
  let having = '';
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    // Rows of earlier buckets cannot follow the cursor: skip them before grouping.
    where.push(`bucket_start >= ${param(new Date(after.bucket))}`);
    const left = [bucket, ...keys].join(', ');
    const right = [param(new Date(after.bucket)), ...keys.map((k) => param(after[k] ?? ''))].join(', ');
    having = `HAVING (${left}) > (${right})`;
  }
  const groupColumns = ['1', ...keys].join(', ');
  const sql = `
    SELECT ${[`${bucket} AS bucket`, ...keys].join(', ')},
      sum(event_count)::float8 AS count,
      sum(value_sum) AS sum,
      min(value_min) AS min,
      max(value_max) AS max,
      CASE WHEN bool_and(value_sum IS NULL OR value_count IS NOT NULL)
        THEN sum(value_sum) / NULLIF(sum(value_count), 0) END AS avg
    FROM ${table}
    WHERE ${where.join(' AND ')}
    GROUP BY ${groupColumns}
    ${having}
    ORDER BY ${groupColumns}
    LIMIT ${param(query.limit + 1)}`;
  const { rows } = await pool.query<Omit<AggregateRow, 'bucket_start'> & { bucket: Date }>(sql, params);
  const page = rows.slice(0, query.limit).map((row) => ({
    bucket_start: row.bucket.toISOString(),
    ...(keys.includes('user_id') ? { user_id: row.user_id } : {}),
    ...(keys.includes('action') ? { action: row.action } : {}),
    count: row.count,
    sum: row.sum,
    min: row.min,
    max: row.max,
    avg: row.avg,
  }));
  const last = page.at(-1);
  const nextKey: CursorKey | undefined =
    rows.length > query.limit && last
      ? {
          bucket: Date.parse(last.bucket_start),
          ...(last.user_id === undefined ? {} : { user_id: last.user_id }),
          ...(last.action === undefined ? {} : { action: last.action }),
        }
      : undefined;
  return {
    granularity: query.granularity,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    group_by: keys,
    rows: page,
    next_cursor: nextKey ? encodeCursor(nextKey) : null,
  };
}
