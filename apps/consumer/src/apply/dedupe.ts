// Step 2 of applying a batch: drop resent events (an event_id counted in an earlier batch, or
// twice in this one) with one atomic claim: the batch's ids are inserted into today's seen_events
// partition, and an id is counted only if this transaction inserted it and no earlier day holds it.
//
// Why a claim and not a lookup: two transactions counting the same id at once (a resend with
// another user_id lands on another partition) both found it unseen under READ COMMITTED, and both
// counted it. An insert into a unique key waits for the other transaction's row instead, and once
// that commits, inserts nothing, so exactly one of the two counts the id.
//
// Days: seen_events is partitioned by the UTC day an id was first counted (old days are dropped
// whole), so the key is (event_id, seen_on) and a claim only contends within one day. Earlier
// days are only read: nobody inserts into them any more, except a transaction that began before
// midnight and is still running. For that, a transaction in the first MIDNIGHT_GRACE of a day
// claims its ids in yesterday's partition too, and meets such a transaction's rows there. A batch
// is one statement, its own transaction, cut off by the statement timeout (at most 4 minutes,
// config.ts), so nothing from before midnight commits after the grace.
import type { ReportEvent } from '@tally/schemas';
import type pg from 'pg';
import type { GoodRecord } from '../decode-batch.ts';

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

/**
 * Claims the records' event ids; returns the events to count (each new id's first record).
 * `clock` stands in for the transaction's start time, for tests around midnight.
 */
export async function claimNew(client: pg.ClientBase, good: GoodRecord[], clock?: Date): Promise<ReportEvent[]> {
  if (good.length === 0) return [];
  const ids = [...new Set(good.map((r) => r.event.event_id))];
  const { rows } = await client.query<{ id: string }>(CLAIM_IDS, [ids, clock?.toISOString() ?? null]);
  const fresh = new Set(rows.map((r) => r.id));
  const counted = [];
  for (const record of good) {
    if (!fresh.delete(record.event.event_id)) continue;
    counted.push(record.event);
  }
  return counted;
}
