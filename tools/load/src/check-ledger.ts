// `pnpm check:ledger <ledger.json> [--tables minute,hour,hour-per-action,hour-per-user]`: exits 1,
// listing the differences (each naming its table), unless every aggregate table in DATABASE_URL
// holds exactly what the ledger says was accepted: counts, value counts, minima, maxima and first
// and last occurrences exact, value sums within SUM_RELATIVE_TOLERANCE.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pipelineNames } from '@tally/config';
import { AGGREGATE_TABLES, type AggregateTable } from '@tally/db';
import pg from 'pg';
import { compareTables, expectedTables, type LedgerRow, TABLES } from './compare-ledger.ts';

const NAMES: Record<string, AggregateTable> = {
  minute: AGGREGATE_TABLES.minute,
  hour: AGGREGATE_TABLES.hour,
  'hour-per-action': AGGREGATE_TABLES.hourPerAction,
  'hour-per-user': AGGREGATE_TABLES.hourPerUser,
};

const { values, positionals } = parseArgs({
  options: { tables: { type: 'string' } },
  allowPositionals: true,
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
});
const file = positionals[0];
const tables = values.tables === undefined ? TABLES : values.tables.split(',').map((name) => NAMES[name]);
if (!file || tables.some((table) => table === undefined)) {
  console.error(`usage: pnpm check:ledger <ledger.json> [--tables ${Object.keys(NAMES).join(',')}]`);
  process.exit(2);
}
const ledger = JSON.parse(readFileSync(file, 'utf8')) as { accepted: number; rows: LedgerRow[] };
const first = ledger.rows[0]?.bucket_start ?? new Date(0).toISOString();
const last = ledger.rows.at(-1)?.bucket_start ?? new Date(0).toISOString();
// The hour of the first minute, computed here: date_trunc would follow the session's time zone.
const firstHour = new Date(Math.floor(Date.parse(first) / 3_600_000) * 3_600_000).toISOString();

const columns = `bucket_start, user_id, action, event_count::float8 AS event_count, value_sum, value_min, value_max,
  value_count::float8 AS value_count, first_occurred_at, last_occurred_at`;
type DbRow = Omit<LedgerRow, 'bucket_start' | 'first_occurred_at' | 'last_occurred_at'> & {
  bucket_start: Date;
  first_occurred_at: Date;
  last_occurred_at: Date;
};
const asLedgerRow = (row: DbRow): LedgerRow => ({
  ...row,
  bucket_start: row.bucket_start.toISOString(),
  first_occurred_at: row.first_occurred_at.toISOString(),
  last_occurred_at: row.last_occurred_at.toISOString(),
});

const client = new pg.Client({ connectionString: pipelineNames(process.env).databaseUrl });
await client.connect();
const actual: Partial<Record<AggregateTable, LedgerRow[]>> = {};
for (const table of tables as AggregateTable[]) {
  // NOTE: by name only; aggregates_hour_per_action may be a view. The minutes are read by the
  // ledger's keys and its span; the hourly tables over the hours that span touches.
  const { rows } =
    table === AGGREGATE_TABLES.minute
      ? await client.query<DbRow>(
          `SELECT ${columns} FROM ${table}
           WHERE (bucket_start, user_id, action) IN (SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[]))
              OR bucket_start BETWEEN $4 AND $5`,
          [
            ledger.rows.map((r) => r.bucket_start),
            ledger.rows.map((r) => r.user_id),
            ledger.rows.map((r) => r.action),
            first,
            last,
          ],
        )
      : await client.query<DbRow>(`SELECT ${columns} FROM ${table} WHERE bucket_start BETWEEN $1 AND $2`, [firstHour, last]);
  actual[table] = rows.map(asLedgerRow);
}
await client.end();

const mismatches = compareTables(ledger.rows, actual);
const expected = expectedTables(ledger.rows);
console.log(`ledger: ${ledger.accepted} events in ${ledger.rows.length} minute groups`);
for (const table of tables as AggregateTable[]) {
  const rows = actual[table] ?? [];
  const counted = rows.reduce((sum, r) => sum + r.event_count, 0);
  const differ = mismatches.filter((m) => m.table === table).length;
  console.log(`${table}: ${counted} events in ${rows.length} rows (the ledger says ${expected[table].length}), ${differ} differ`);
}
for (const m of mismatches.slice(0, 20)) {
  const what = m.fields.length > 0 ? m.fields.join(', ') : m.expected ? 'missing' : 'not in the ledger';
  console.log(
    `  ${m.table} ${m.key} (${what}): expected ${JSON.stringify(m.expected ?? null)}, found ${JSON.stringify(m.actual ?? null)}`,
  );
}
if (mismatches.length > 20) console.log(`  … and ${mismatches.length - 20} more`);
console.log(`mismatches: ${mismatches.length}`);
process.exit(mismatches.length === 0 ? 0 : 1);
