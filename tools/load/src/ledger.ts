// Exactly what the producer accepted (answered 202), aggregated the way `aggregates_minute` is: per minute bucket,
// user and action (count, value sum, min, max and count, first and last occurrence; the hourly tables are rolled up
// from these rows when checked). Resends of an accepted event are counted apart, never in the totals, since the
// pipeline must count each event_id once.
import type { GeneratedEvent } from '@tally/testkit';
import type { LedgerRow } from './compare-ledger.ts';

export type { LedgerRow };

export interface Ledger {
  add(event: GeneratedEvent): void;
  addResends(count: number): void;
  accepted(): number;
  toJSON(): { accepted: number; resends: number; rows: LedgerRow[] };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createLedger(): Ledger {
  const rows = new Map<string, LedgerRow>();
  let accepted = 0;
  let resends = 0;
  return {
    add(event) {
      accepted += 1;
      const bucket = iso(Math.floor(event.occurred_at / 60_000) * 60_000);
      const key = `${bucket}\u0000${event.user_id}\u0000${event.action}`;
      let row = rows.get(key);
      if (!row) {
        row = {
          bucket_start: bucket,
          user_id: event.user_id,
          action: event.action,
          event_count: 0,
          value_sum: null,
          value_min: null,
          value_max: null,
          value_count: 0,
          first_occurred_at: iso(event.occurred_at),
          last_occurred_at: iso(event.occurred_at),
        };
        rows.set(key, row);
      }
      row.event_count += 1;
      const at = iso(event.occurred_at);
      if (at < (row.first_occurred_at ?? at)) row.first_occurred_at = at;
      if (at > (row.last_occurred_at ?? at)) row.last_occurred_at = at;
      if (event.value !== undefined) {
        row.value_count = (row.value_count ?? 0) + 1;
        row.value_sum = (row.value_sum ?? 0) + event.value;
        row.value_min = Math.min(row.value_min ?? event.value, event.value);
        row.value_max = Math.max(row.value_max ?? event.value, event.value);
      }
    },
    addResends(count) {
      resends += count;
    },
    accepted: () => accepted,
    toJSON: () => ({
      accepted,
      resends,
      rows: [...rows.values()].sort(
        (a, b) =>
          a.bucket_start.localeCompare(b.bucket_start) || a.user_id.localeCompare(b.user_id) || a.action.localeCompare(b.action),
      ),
    }),
  };
}
