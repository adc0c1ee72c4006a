// `pnpm check:ledger <ledger.json>`: exits 1, listing the differences, unless aggregates_minute in
// DATABASE_URL holds exactly what the ledger says was accepted.
import { readFileSync } from 'node:fs';
import { pipelineNames } from '@tally/config';
import { countedRow, SELECT_COUNTED_ROWS } from '@tally/db';
import pg from 'pg';
import { compareWithLedger, type LedgerRow } from './compare-ledger.ts';

const file = process.argv.slice(2).find((arg) => arg !== '--');
if (!file) {
  console.error('usage: pnpm check:ledger <ledger.json>');
  process.exit(2);
}
const ledger = JSON.parse(readFileSync(file, 'utf8')) as { accepted: number; rows: LedgerRow[] };
const client = new pg.Client({ connectionString: pipelineNames(process.env).databaseUrl });
await client.connect();
const { rows } = await client.query<LedgerRow>(
  `${SELECT_COUNTED_ROWS}
   WHERE (bucket_start, user_id, action) IN (SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[]))
      OR bucket_start BETWEEN $4 AND $5`,
  [
    ledger.rows.map((r) => r.bucket_start),
    ledger.rows.map((r) => r.user_id),
    ledger.rows.map((r) => r.action),
    ledger.rows[0]?.bucket_start ?? new Date(0).toISOString(),
    ledger.rows.at(-1)?.bucket_start ?? new Date(0).toISOString(),
  ],
);
await client.end();
const mismatches = compareWithLedger(ledger.rows, rows.map(countedRow));
const counted = rows.reduce((sum, r) => sum + r.event_count, 0);
console.log(
  `ledger: ${ledger.accepted} events in ${ledger.rows.length} groups; aggregates_minute: ${counted} events in ${rows.length} groups`,
);
for (const m of mismatches.slice(0, 20)) {
  console.log(`  ${m.key}: expected ${JSON.stringify(m.expected ?? null)}, found ${JSON.stringify(m.actual ?? null)}`);
}
if (mismatches.length > 20) console.log(`  … and ${mismatches.length - 20} more`);
console.log(mismatches.length === 0 ? 'mismatches: 0' : `mismatches: ${mismatches.length}`);
process.exit(mismatches.length === 0 ? 0 : 1);
