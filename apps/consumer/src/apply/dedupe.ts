// Step 2 of applying a batch: drop resent events (an event_id counted in an earlier batch, or
// twice in this one), and, once the aggregates are upserted, remember the ids counted.
import type { ReportEvent } from '@tally/schemas';
import type pg from 'pg';
import type { GoodRecord } from '../decode-batch.ts';

// TRICKY: `event_id = ANY($1)` reads the same, but the planner turns it into a (parallel) scan of
// the whole day's partition once the array is large: a batch then costs more the longer the day
// runs (480 ms at 770,000 ids). `IN (SELECT unnest(...))` keeps it to one index probe per id, and
// the `seen_on` bound prunes the partitions made ahead for the coming days.
export const SEEN_BEFORE = `
SELECT event_id::text AS id FROM seen_events
WHERE event_id IN (SELECT unnest($1::uuid[])) AND seen_on <= (now() AT TIME ZONE 'UTC')::date`;

/** The events to count: the records' events, less those whose id was seen before. */
export async function dedupe(client: pg.ClientBase, good: GoodRecord[]): Promise<ReportEvent[]> {
  const ids = [...new Set(good.map((r) => r.event.event_id))];
  const seen = new Set(ids.length === 0 ? [] : (await client.query<{ id: string }>(SEEN_BEFORE, [ids])).rows.map((r) => r.id));
  const counted = [];
  for (const record of good) {
    if (seen.has(record.event.event_id)) continue;
    seen.add(record.event.event_id);
    counted.push(record.event);
  }
  return counted;
}

/** Records the counted ids in seen_events, in the transaction that counted them. */
export async function rememberCounted(client: pg.ClientBase, counted: ReportEvent[]): Promise<void> {
  if (counted.length === 0) return;
  await client.query(
    "INSERT INTO seen_events (event_id, seen_on) SELECT unnest($1::uuid[]), (now() AT TIME ZONE 'UTC')::date ON CONFLICT DO NOTHING",
    [counted.map((e) => e.event_id)],
  );
}
