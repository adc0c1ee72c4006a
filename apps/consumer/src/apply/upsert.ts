// Step 3 of applying a batch: fold the counted events into per-minute deltas and upsert them, and
// their hourly rollups, as sets, inside the batch statement (apply-statement.ts): PostgreSQL does
// the folding, since only it knows which events the claim left to count. The per-action rollup is
// written as the partition's own partial rows (its shard), so batches of two partitions never wait
// on each other there; aggregates_hour_per_action is the view that sums them.
import { AGGREGATE_TABLES, aggregateUpsert, HOUR_PER_ACTION_SHARDS } from '@tally/db';

const EPOCH = `'1970-01-01T00:00:00Z'::timestamptz`;

/** The hourly rows of `minutes` in key order, with user and/or action kept (the other left ''), and the shard. */
const hours = (user: string, action: string, shard?: string) =>
  `SELECT date_bin('1 hour', b, ${EPOCH}), ${user}, ${action}, ${shard === undefined ? '' : `${shard}, `}sum(c), sum(s), min(mn), max(mx),
         sum(vc), min(f), max(l)
  FROM minutes GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;

/**
 * Steps of the batch statement: `minutes` folds `counted` (columns u, a, t, v: user, action, occurred_at as
 * timestamptz, value) per (minute, user, action); then one upsert per written table, `shard` being the SQL
 * expression of the Kafka partition. Rows are written in key order, so concurrent batches lock them in one order.
 */
export function aggregateSteps(counted: string, shard: string): string {
  return `minutes AS (
  SELECT date_bin('1 minute', t, ${EPOCH}) AS b, u, a, count(*) AS c, sum(v) AS s, min(v) AS mn, max(v) AS mx,
         count(v) AS vc, min(t) AS f, max(t) AS l
  FROM ${counted} GROUP BY 1, 2, 3
), up_minute AS (
  ${aggregateUpsert(AGGREGATE_TABLES.minute, 'SELECT * FROM minutes ORDER BY b, u, a')}
), up_hour AS (
  ${aggregateUpsert(AGGREGATE_TABLES.hour, hours('u', 'a'))}
), up_hour_per_action AS (
  ${aggregateUpsert(HOUR_PER_ACTION_SHARDS, hours("''", 'a', shard))}
), up_hour_per_user AS (
  ${aggregateUpsert(AGGREGATE_TABLES.hourPerUser, hours('u', "''"))}
)`;
}
