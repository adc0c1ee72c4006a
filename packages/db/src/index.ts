// @tally/db: Tally's PostgreSQL schema (migrations, row types) and the aggregate SQL the apps and tools share.
export {
  AGGREGATE_TABLES,
  type AggregateDelta,
  type AggregateTable,
  aggregateUpsert,
  byCountedKey,
  type CountedRow,
  countedRow,
  HOUR_PER_ACTION_SHARDS,
  SELECT_COUNTED_ROWS,
  upsertAggregatesParams,
  upsertAggregatesSql,
  WRITTEN_AGGREGATE_TABLES,
  type WrittenAggregateTable,
} from './aggregates.ts';
export { CLAIM_IDS, claimSteps, MIDNIGHT_GRACE } from './dedupe-claim.ts';
export { foldHourPerAction, maintainDedupPartitions } from './maintenance.ts';
export { MIGRATIONS_DIR, migrate } from './migrate.ts';
export type { AggregateTableRow, ConsumerOffsetRow, DeadLetterRow, SeenEventRow } from './rows.ts';
