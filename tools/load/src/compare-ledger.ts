// The proof that every accepted event was counted exactly once: each aggregate table compared with
// the ledger `pnpm load` wrote. The ledger holds minute rows (bucket, user, action); the hourly
// tables' rows are rolled up from them here, the way the consumer rolls up its deltas.
import { AGGREGATE_TABLES, type AggregateTable, type CountedRow } from '@tally/db';

/**
 * A ledger row: an aggregate row's counted part. The last three fields are absent from ledgers
 * written before they were recorded; a field the ledger does not know is not compared.
 */
export interface LedgerRow extends CountedRow {
  /** Events of the row that carried a value. */
  value_count?: number | undefined;
  /** ISO 8601, UTC. */
  first_occurred_at?: string | undefined;
  last_occurred_at?: string | undefined;
}

/** Every aggregate table, in the order they are reported. */
export const TABLES: readonly AggregateTable[] = [
  AGGREGATE_TABLES.minute,
  AGGREGATE_TABLES.hour,
  AGGREGATE_TABLES.hourPerAction,
  AGGREGATE_TABLES.hourPerUser,
];

/**
 * How far two value sums may differ, relative to the larger of their magnitudes. Sums of the same
 * doubles added in another order (the consumer's batches, the hourly roll-up) may differ in the
 * last bits; counts, minima, maxima and times never may.
 */
export const SUM_RELATIVE_TOLERANCE = 1e-9;

export interface Mismatch {
  table: AggregateTable;
  key: string;
  /** The fields that differ; empty when the row is missing on one side. */
  fields: string[];
  expected: LedgerRow | undefined;
  actual: LedgerRow | undefined;
}

const iso = (time: string) => new Date(time).toISOString();
const keyOf = (row: LedgerRow) => `${iso(row.bucket_start)} ${row.user_id} ${row.action}`;

export function sameSum(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= SUM_RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

const sameTime = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && iso(a) === iso(b);

/** The fields of `actual` that differ from what the ledger row says (only fields it knows). */
function differences(want: LedgerRow, got: LedgerRow): string[] {
  const fields: string[] = [];
  if (want.event_count !== got.event_count) fields.push('event_count');
  if (!sameSum(want.value_sum, got.value_sum)) fields.push('value_sum');
  if (want.value_min !== got.value_min) fields.push('value_min');
  if (want.value_max !== got.value_max) fields.push('value_max');
  if (want.value_count !== undefined && want.value_count !== got.value_count) fields.push('value_count');
  if (want.first_occurred_at !== undefined && !sameTime(want.first_occurred_at, got.first_occurred_at))
    fields.push('first_occurred_at');
  if (want.last_occurred_at !== undefined && !sameTime(want.last_occurred_at, got.last_occurred_at))
    fields.push('last_occurred_at');
  return fields;
}

/** One table's rows against what the ledger says they must be, per key. */
export function compareWithLedger(
  ledger: readonly LedgerRow[],
  actual: readonly LedgerRow[],
  table: AggregateTable = AGGREGATE_TABLES.minute,
): Mismatch[] {
  const expected = new Map(ledger.map((row) => [keyOf(row), row]));
  const found = new Map(actual.map((row) => [keyOf(row), row]));
  const mismatches: Mismatch[] = [];
  for (const key of new Set([...expected.keys(), ...found.keys()])) {
    const want = expected.get(key);
    const got = found.get(key);
    const fields = want && got ? differences(want, got) : [];
    if (!want || !got || fields.length > 0) mismatches.push({ table, key, fields, expected: want, actual: got });
  }
  return mismatches.sort((a, b) => a.key.localeCompare(b.key));
}

const addNullable = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);
const pick = (a: number | null, b: number | null, f: (x: number, y: number) => number) =>
  a === null ? b : b === null ? a : f(a, b);
const earlier = (a: string | undefined, b: string | undefined) =>
  a === undefined || b === undefined ? undefined : iso(a) <= iso(b) ? a : b;
const later = (a: string | undefined, b: string | undefined) =>
  a === undefined || b === undefined ? undefined : iso(a) >= iso(b) ? a : b;

/** Minute rows folded into hourly rows; `user_id` and `action` as the key names them ('' drops one). */
export function rollUp(rows: readonly LedgerRow[], key: (row: LedgerRow) => { user_id: string; action: string }): LedgerRow[] {
  const out = new Map<string, LedgerRow>();
  for (const row of rows) {
    const hour = new Date(Math.floor(Date.parse(row.bucket_start) / 3_600_000) * 3_600_000).toISOString();
    const target = { bucket_start: hour, ...key(row) };
    const id = keyOf({ ...row, ...target });
    const into = out.get(id);
    if (!into) {
      out.set(id, { ...row, ...target });
      continue;
    }
    into.event_count += row.event_count;
    into.value_sum = addNullable(into.value_sum, row.value_sum);
    into.value_min = pick(into.value_min, row.value_min, Math.min);
    into.value_max = pick(into.value_max, row.value_max, Math.max);
    into.value_count =
      into.value_count === undefined || row.value_count === undefined ? undefined : into.value_count + row.value_count;
    into.first_occurred_at = earlier(into.first_occurred_at, row.first_occurred_at);
    into.last_occurred_at = later(into.last_occurred_at, row.last_occurred_at);
  }
  return [...out.values()];
}

/** What every aggregate table must hold, from the ledger's minute rows. */
export function expectedTables(minutes: readonly LedgerRow[]): Record<AggregateTable, LedgerRow[]> {
  return {
    [AGGREGATE_TABLES.minute]: [...minutes],
    [AGGREGATE_TABLES.hour]: rollUp(minutes, (r) => ({ user_id: r.user_id, action: r.action })),
    [AGGREGATE_TABLES.hourPerAction]: rollUp(minutes, (r) => ({ user_id: '', action: r.action })),
    [AGGREGATE_TABLES.hourPerUser]: rollUp(minutes, (r) => ({ user_id: r.user_id, action: '' })),
  } as Record<AggregateTable, LedgerRow[]>;
}

/** Every table read (those absent from `actual` are not checked) against the ledger's minute rows. */
export function compareTables(
  minutes: readonly LedgerRow[],
  actual: Partial<Record<AggregateTable, readonly LedgerRow[]>>,
): Mismatch[] {
  const expected = expectedTables(minutes);
  return TABLES.flatMap((table) => {
    const rows = actual[table];
    return rows === undefined ? [] : compareWithLedger(expected[table], rows, table);
  });
}
