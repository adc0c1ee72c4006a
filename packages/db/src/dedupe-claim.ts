// The dedupe claim's SQL, beside the seen_events table it writes: the consumer's batch statement claims its
// records' ids with it (apps/consumer/src/apply/dedupe.ts says why a claim, and how days and midnight work), and
// the bench measures its cost against other layouts (tools/bench/src/dedupe-layouts.ts).

export const MIDNIGHT_GRACE = '10 minutes';

/**
 * The claim as steps of a statement (WITH …): `ids` is the set of ids to claim (an expression giving one uuid
 * column `id`), `clock` the transaction's start or NULL for now(); the step `fresh` gives the ids to count. The
 * batch statement (apply-statement.ts) claims its records' ids with it; CLAIM_IDS claims a list.
 *
 * TRICKY: the older-days probe reads the table as it was before the statement's INSERT, so it sees
 * only earlier days' rows (ids are probed by index one by one; `= ANY` was once planned as a scan of
 * a whole day's partition). Rows are inserted in one order (day, id) in every transaction, so two
 * claims wait on each other without deadlocking.
 */
export function claimSteps(ids: string, clock: string): string {
  return `clock AS (
  SELECT coalesce(${clock}::timestamptz, now()) AT TIME ZONE 'UTC' AS utc
), days AS (
  SELECT utc::date AS day FROM clock
  UNION ALL
  SELECT utc::date - 1 FROM clock WHERE utc - utc::date::timestamp < interval '${MIDNIGHT_GRACE}'
), claimed AS (
  INSERT INTO seen_events (event_id, seen_on)
  SELECT i.id, d.day FROM days d, (${ids}) AS i ORDER BY d.day, i.id
  ON CONFLICT DO NOTHING
  RETURNING event_id
), fresh AS (
  SELECT c.event_id FROM claimed c
  GROUP BY c.event_id
  HAVING count(*) = (SELECT count(*) FROM days)
    AND NOT EXISTS (
      SELECT 1 FROM seen_events s WHERE s.event_id = c.event_id AND s.seen_on < (SELECT min(day) FROM days)
    )
)`;
}

/** The claim of a list of ids ($1, uuid[]) alone; $2 the clock. */
export const CLAIM_IDS = `WITH ${claimSteps('SELECT DISTINCT unnest($1::uuid[]) AS id', '$2')}
SELECT event_id::text AS id FROM fresh`;
