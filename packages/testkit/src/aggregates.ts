// What aggregates_minute should hold for some events, computed apart from the consumer, and what
// it does hold.
import { byCountedKey, type CountedRow, countedRow, SELECT_COUNTED_ROWS } from '@tally/db';
import type { ReportEvent } from '@tally/schemas';
import { sql } from './database.ts';

export function expectedRows(events: readonly Pick<ReportEvent, 'occurred_at' | 'user_id' | 'action' | 'value'>[]): CountedRow[] {
  const rows = new Map<string, CountedRow>();
  for (const e of events) {
    const bucket = new Date(e.occurred_at - (e.occurred_at % 60_000)).toISOString();
    const key = `${bucket}|${e.user_id}|${e.action}`;
    const row = rows.get(key) ?? {
      bucket_start: bucket,
      user_id: e.user_id,
      action: e.action,
      event_count: 0,
      value_sum: null,
      value_min: null,
      value_max: null,
    };
    row.event_count += 1;
    if (e.value !== null) {
      row.value_sum = (row.value_sum ?? 0) + e.value;
      row.value_min = row.value_min === null ? e.value : Math.min(row.value_min, e.value);
      row.value_max = row.value_max === null ? e.value : Math.max(row.value_max, e.value);
    }
    rows.set(key, row);
  }
  return [...rows.values()].sort(byCountedKey);
}

export async function actualRows(url: string): Promise<CountedRow[]> {
  return (await sql<CountedRow>(url, SELECT_COUNTED_ROWS)).map(countedRow).sort(byCountedKey);
}

/** Events counted in aggregates_minute (0 before the tables exist). */
export async function countedEvents(url: string): Promise<number> {
  const [row] = await sql<{ n: string | null }>(url, 'SELECT sum(event_count) AS n FROM aggregates_minute').catch(() => [
    { n: null },
  ]);
  return Number(row?.n ?? 0);
}

/** Records PostgreSQL says were applied, over all partitions of the group. */
export async function appliedRecords(url: string, group: string): Promise<number> {
  const [row] = await sql<{ n: string | null }>(
    url,
    'SELECT sum(next_offset) AS n FROM consumer_offsets WHERE consumer_group = $1',
    [group],
  ).catch(() => [{ n: null }]);
  return Number(row?.n ?? 0);
}
