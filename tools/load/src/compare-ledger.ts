// The proof that every accepted event was counted exactly once: aggregates_minute compared with
// the ledger `pnpm load` wrote, per minute bucket, user and action.
import type { CountedRow } from '@tally/db';

/** A ledger row: the counted part of an aggregates_minute row. */
export type LedgerRow = CountedRow;

export interface Mismatch {
  key: string;
  expected: LedgerRow | undefined;
  actual: LedgerRow | undefined;
}

const keyOf = (row: LedgerRow) => `${new Date(row.bucket_start).toISOString()} ${row.user_id} ${row.action}`;

export function compareWithLedger(ledger: LedgerRow[], actual: LedgerRow[]): Mismatch[] {
  const expected = new Map(ledger.map((row) => [keyOf(row), row]));
  const found = new Map(actual.map((row) => [keyOf(row), row]));
  const mismatches: Mismatch[] = [];
  for (const key of new Set([...expected.keys(), ...found.keys()])) {
    const want = expected.get(key);
    const got = found.get(key);
    const same =
      want !== undefined &&
      got !== undefined &&
      want.event_count === got.event_count &&
      want.value_sum === got.value_sum &&
      want.value_min === got.value_min &&
      want.value_max === got.value_max;
    if (!same) mismatches.push({ key, expected: want, actual: got });
  }
  return mismatches.sort((a, b) => a.key.localeCompare(b.key));
}
