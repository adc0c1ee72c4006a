// GET /v1/top: the heaviest users or actions in a range, by event count or by the sum of values. Whole hours are
// read from the hourly tables and only the minutes at either edge from aggregates_minute (ranges over 6 hours are
// widened to whole hours), so a day costs ~24 rows per key rather than ~1,440.
import { HOUR_PER_ACTION_SHARDS } from '@tally/db';
import type { TopAnswer, TopEntry } from '@tally/reports-api';
import type pg from 'pg';
import type { TopQuery } from './query-params.ts';
import { splitByHour, widen } from './time-range.ts';

export async function queryTop(pool: pg.Pool, query: TopQuery): Promise<TopAnswer> {
  // NOTE: past 6 hours a range is widened to whole hours, so only hourly rows are read.
  const range = widen(query, query.to - query.from > 6 * 3_600_000 ? 'hour' : 'minute');
  const { hours, minutes } = splitByHour(range);
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const keyColumn = query.by === 'user' ? 'user_id' : 'action';
  const filters: string[] = [];
  if (query.userId !== undefined) filters.push(`user_id = ${param(query.userId)}`);
  if (query.action !== undefined) filters.push(`action = ${param(query.action)}`);
  const parts: string[] = [];
  const part = (table: string, from: number, to: number) =>
    parts.push(
      `SELECT ${keyColumn} AS key, event_count, value_sum FROM ${table}
       WHERE ${[`bucket_start >= ${param(new Date(from))}`, `bucket_start < ${param(new Date(to))}`, ...filters].join(' AND ')}`,
    );
  // Hours summed over every action (or every user) answer a ranking that does not filter by it; the per-action
  // ones as the partitions' partial rows (summed below all the same; see aggregates.ts).
  const hourTable =
    query.by === 'user' && query.action === undefined
      ? 'aggregates_hour_per_user'
      : query.by === 'action' && query.userId === undefined
        ? HOUR_PER_ACTION_SHARDS
        : 'aggregates_hour';
  if (hours) part(hourTable, hours.from, hours.to);
  for (const edge of minutes) part('aggregates_minute', edge.from, edge.to);
  const order = query.metric === 'count' ? 'count DESC' : 'sum DESC NULLS LAST';
  const { rows } = await pool.query<TopEntry>(
    `SELECT key, sum(event_count)::float8 AS count, sum(value_sum) AS sum
     FROM (${parts.join(' UNION ALL ')}) AS rows
     GROUP BY key ORDER BY ${order}, key LIMIT ${param(query.limit)}`,
    params,
  );
  return {
    by: query.by,
    metric: query.metric,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    entries: rows,
  };
}
