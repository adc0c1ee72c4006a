// Partition upkeep the consumer runs at start and hourly (a SECURITY DEFINER function, so the
// consumer's role needs no DDL rights).
import type pg from 'pg';

/** Creates the dedupe table's partitions around today and drops those past the retention. */
export async function maintainDedupPartitions(db: Pick<pg.Pool, 'query'>, retentionDays: number): Promise<void> {
  await db.query('SELECT tally_maintain_seen_events($1)', [retentionDays]);
}
