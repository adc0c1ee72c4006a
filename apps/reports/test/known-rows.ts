// Known rows for the reports app's tests, written as the owner with the consumer's own upsert into
// every aggregate table, so the API's answers can be checked number by number.
import {
  AGGREGATE_TABLES,
  type AggregateDelta,
  HOUR_PER_ACTION_SHARDS,
  upsertAggregatesParams,
  upsertAggregatesSql,
} from '@tally/db';
import type pg from 'pg';

export interface KnownRow {
  bucket: string;
  user: string;
  action: string;
  count: number;
  /** Values of the events that carried one. */
  values?: number[];
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * Writes minute rows and the matching rows of every hourly table, as the consumer would; the
 * per-action rollup's partial rows go to shard 0 (as if from partition 0).
 */
export async function insertRows(pool: pg.Pool, rows: KnownRow[]): Promise<void> {
  for (const row of rows) {
    const values = row.values ?? [];
    const at = Date.parse(row.bucket);
    const delta = (size: number, userId: string, action: string): AggregateDelta => ({
      bucketStart: Math.floor(at / size) * size,
      userId,
      action,
      count: row.count,
      valueSum: values.length ? values.reduce((a, b) => a + b, 0) : null,
      valueMin: values.length ? Math.min(...values) : null,
      valueMax: values.length ? Math.max(...values) : null,
      valueCount: values.length,
      firstOccurredAt: at,
      lastOccurredAt: at,
    });
    const writes = [
      [AGGREGATE_TABLES.minute, delta(MINUTE_MS, row.user, row.action)],
      [AGGREGATE_TABLES.hour, delta(HOUR_MS, row.user, row.action)],
      [HOUR_PER_ACTION_SHARDS, delta(HOUR_MS, '', row.action)],
      [AGGREGATE_TABLES.hourPerUser, delta(HOUR_MS, row.user, '')],
    ] as const;
    for (const [table, d] of writes) {
      await pool.query(upsertAggregatesSql(table), upsertAggregatesParams([d], table === HOUR_PER_ACTION_SHARDS ? 0 : undefined));
    }
  }
}
