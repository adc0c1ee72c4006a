import { randomUUID } from 'node:crypto';
import { maintainDedupPartitions, migrate } from '@tally/db';
import { createDatabase } from '@tally/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEN_BEFORE } from '../src/apply/dedupe.ts';

// Pins a slowdown found by `pnpm bench`: `event_id = ANY($1)` was planned as a scan of the whole
// day's partition, so every batch cost more the longer the day ran.
describe('the resend lookup', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createDatabase();
    await migrate(database.url);
    pool = new pg.Pool({ connectionString: database.url, max: 1 });
    pool.on('error', () => undefined);
    await maintainDedupPartitions(pool, 8);
    await pool.query(
      "INSERT INTO seen_events (event_id, seen_on) SELECT gen_random_uuid(), (now() AT TIME ZONE 'UTC')::date FROM generate_series(1, 200000)",
    );
    await pool.query('ANALYZE seen_events');
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('probes the index once per id instead of scanning the day, however many ids the batch has', async () => {
    const ids = Array.from({ length: 8_000 }, () => randomUUID());
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${SEEN_BEFORE}`, [ids]);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    expect(plan).toMatch(new RegExp(`Index Only Scan using seen_events_${today}_pkey`));
    expect(plan).not.toMatch(new RegExp(`Seq Scan on seen_events_${today}`));
  });

  it('finds ids counted today and leaves out ids never seen', async () => {
    const { rows: known } = await pool.query<{ id: string }>('SELECT event_id::text AS id FROM seen_events LIMIT 3');
    const fresh = [randomUUID(), randomUUID()];
    const { rows } = await pool.query<{ id: string }>(SEEN_BEFORE, [[...known.map((r) => r.id), ...fresh]]);
    expect(rows.map((r) => r.id).sort()).toEqual(known.map((r) => r.id).sort());
  });
});
