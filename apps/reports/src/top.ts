import type pg from 'pg';
import type { TopQuery } from './query-params.ts';
import { splitByHour, widen } from './time-range.ts';

/**
 * GET /v1/top: the heaviest users or actions in a range, by event count or by the sum of values.
 * Whole hours are read from aggregates_hour and only the minutes at either edge from
 * aggregates_minute, so a day costs ~24 rows per key rather than ~1,440.
 */
export interface TopEntry {
  key: string;
  count: number;
  sum: number | null;
}

export interface TopAnswer {
  by: TopQuery['by'];
  metric: TopQuery['metric'];
  from: string;
  to: string;
  entries: TopEntry[];
}

export async function queryTop(pool: pg.Pool, query: TopQuery): Promise<TopAnswer> {
  const range = widen(query, 'minute');
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
  if (hours) part('aggregates_hour', hours.from, hours.to);
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
