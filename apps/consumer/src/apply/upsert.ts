// Step 3 of applying a batch: fold the counted events into per-minute deltas and upsert them, and
// their hourly rollups, as sets (one statement per table). The per-action rollup is written as the
// partition's own partial rows (its shard), so batches of two partitions never wait on each other
// there; aggregates_hour_per_action is the view that sums them.
import { AGGREGATE_TABLES, HOUR_PER_ACTION_SHARDS, upsertAggregatesParams, upsertAggregatesSql } from '@tally/db';
import type { ReportEvent } from '@tally/schemas';
import type pg from 'pg';
import { type AggregateDelta, aggregate, rollUpToHours } from '../aggregate.ts';

const UPSERT_MINUTES = upsertAggregatesSql(AGGREGATE_TABLES.minute);
const UPSERT_HOURS = upsertAggregatesSql(AGGREGATE_TABLES.hour);
const UPSERT_HOURS_PER_ACTION = upsertAggregatesSql(HOUR_PER_ACTION_SHARDS);
const UPSERT_HOURS_PER_USER = upsertAggregatesSql(AGGREGATE_TABLES.hourPerUser);

const byKey = (a: AggregateDelta, b: AggregateDelta) =>
  a.bucketStart - b.bucketStart || a.userId.localeCompare(b.userId) || a.action.localeCompare(b.action);

/**
 * Upserts the events' deltas; returns how many aggregates_minute rows that touched. `shard` is the
 * Kafka partition the events came from: the per-action rollup's rows are that partition's alone.
 */
export async function upsertAggregates(client: pg.ClientBase, counted: ReportEvent[], shard: number): Promise<number> {
  // Sorted, so concurrent transactions take row locks in one order.
  const deltas = aggregate(counted).sort(byKey);
  if (deltas.length > 0) {
    await client.query(UPSERT_MINUTES, upsertAggregatesParams(deltas));
    await client.query(UPSERT_HOURS, upsertAggregatesParams(rollUpToHours(deltas).sort(byKey)));
    await client.query(UPSERT_HOURS_PER_ACTION, upsertAggregatesParams(rollUpToHours(deltas, 'users').sort(byKey), shard));
    await client.query(UPSERT_HOURS_PER_USER, upsertAggregatesParams(rollUpToHours(deltas, 'actions').sort(byKey)));
  }
  return deltas.length;
}
