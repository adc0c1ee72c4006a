// Upkeep the consumer runs at start and hourly (SECURITY DEFINER functions, so the consumer's role
// needs no DDL or DELETE rights): the dedupe table's partitions, and folding the per-action
// rollup's partial rows of closed hours into one row each.
import type pg from 'pg';

/** Creates the dedupe table's partitions around today and drops those past the retention. */
export async function maintainDedupPartitions(db: Pick<pg.Pool, 'query'>, retentionDays: number): Promise<void> {
  await db.query('SELECT tally_maintain_seen_events($1)', [retentionDays]);
}

/**
 * Folds the per-action rollup's partial rows (one per partition) of the hours before `olderThan`
 * (default: those that ended over an hour ago) into one row per hour and action, so long reports
 * read one row per hour again. The view's numbers do not change. Returns the rows folded into.
 */
export async function foldHourPerAction(db: Pick<pg.Pool, 'query'>, olderThan?: Date): Promise<number> {
  const { rows } = await db.query<{ folded: string }>(
    "SELECT tally_fold_hour_per_action(coalesce($1::timestamptz, date_trunc('hour', now()) - interval '1 hour')) AS folded",
    [olderThan?.toISOString() ?? null],
  );
  return Number(rows[0]?.folded ?? 0);
}
