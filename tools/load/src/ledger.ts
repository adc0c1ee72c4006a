// Exactly what the producer accepted (answered 202), aggregated the way `aggregates_minute` is: per minute bucket,
// user and action (count, value sum, min, max and count, first and last occurrence; the hourly tables are rolled up
// from these rows when checked). Resends of an accepted event are counted apart, never in the totals, since the
// pipeline must count each event_id once. Events of unknown fate (no 202 after an attempt that may have reached
// Kafka) are kept whole, with the id each was sent with (none: the producer made it) and the ids of the accepted
// events that look exactly like it, so a check that reads the topic can tell which of them landed
// (tools/faults' landed.ts) and add them with withLanded().
import type { GeneratedEvent } from '@tally/testkit';
import type { LedgerRow } from './compare-ledger.ts';

export type { LedgerRow };

/**
 * An event of unknown fate: the id it was sent with (absent: sent without one, so the producer made it), and the
 * ids (lower case) of the accepted events with the same content (contentKey).
 */
export type UncertainEvent = GeneratedEvent & { sentId?: string; acceptedAlike: string[] };

export interface LedgerFile {
  accepted: number;
  resends: number;
  rows: LedgerRow[];
  uncertain: UncertainEvent[];
  /** Events of unknown fate found on the topic and added to the rows (withLanded). */
  landed?: number;
}

export interface Ledger {
  /** An accepted event, with the id the 202 answered for it. */
  add(event: GeneratedEvent, id: string): void;
  addResends(count: number): void;
  addUncertain(events: readonly { event: GeneratedEvent; sentId: string | undefined }[]): void;
  accepted(): number;
  toJSON(): LedgerFile;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** What tells two events apart once Kafka assigned ids: who, what, when and how much. */
export const contentKey = (e: Pick<GeneratedEvent, 'user_id' | 'action' | 'occurred_at' | 'value'>): string =>
  `${e.user_id}\u0000${e.action}\u0000${e.occurred_at}\u0000${e.value ?? ''}`;

function addToRows(rows: Map<string, LedgerRow>, event: GeneratedEvent): void {
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
}

const sortedRows = (rows: Map<string, LedgerRow>): LedgerRow[] =>
  [...rows.values()].sort(
    (a, b) =>
      a.bucket_start.localeCompare(b.bucket_start) || a.user_id.localeCompare(b.user_id) || a.action.localeCompare(b.action),
  );

export function createLedger(): Ledger {
  const rows = new Map<string, LedgerRow>();
  const alike = new Map<string, string[]>();
  const uncertain: { event: GeneratedEvent; sentId: string | undefined }[] = [];
  let accepted = 0;
  let resends = 0;
  return {
    add(event, id) {
      accepted += 1;
      addToRows(rows, event);
      const content = contentKey(event);
      alike.set(content, [...(alike.get(content) ?? []), id.toLowerCase()]);
    },
    addResends(count) {
      resends += count;
    },
    addUncertain(events) {
      uncertain.push(...events);
    },
    accepted: () => accepted,
    toJSON: () => ({
      accepted,
      resends,
      rows: sortedRows(rows),
      uncertain: uncertain.map(({ event, sentId }) => ({
        ...event,
        ...(sentId === undefined ? {} : { sentId: sentId.toLowerCase() }),
        acceptedAlike: alike.get(contentKey(event)) ?? [],
      })),
    }),
  };
}

/** The ledger with the events of unknown fate that did land folded into its rows (the total stays `accepted`). */
export function withLanded(ledger: LedgerFile, landed: readonly GeneratedEvent[]): LedgerFile {
  const rows = new Map(ledger.rows.map((r) => [`${r.bucket_start}\u0000${r.user_id}\u0000${r.action}`, { ...r }]));
  for (const event of landed) addToRows(rows, event);
  return { ...ledger, rows: sortedRows(rows), landed: landed.length };
}
