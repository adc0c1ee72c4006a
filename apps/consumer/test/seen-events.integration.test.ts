// The dedupe claim (src/apply/dedupe.ts) against a real PostgreSQL: ids counted on earlier days
// are found, two transactions counting the same id at once count it once (also across midnight),
// and the claim probes the index per id instead of scanning a day.
import { randomUUID } from 'node:crypto';
import type { ReportEvent } from '@tally/schemas';
import { countedEvents, eventually, migratedDatabase, reportEvent, sql } from '@tally/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatch } from '../src/apply/apply-batch.ts';
import { CLAIM_IDS } from '../src/apply/dedupe.ts';
import type { GoodRecord } from '../src/decode-batch.ts';

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let pool: pg.Pool;
beforeAll(async () => {
  db = await migratedDatabase();
  pool = db.pool;
});
afterAll(() => db.drop());

/**
 * The claim alone (the batch statement's step), in the caller's transaction: claims the records' event ids; returns the events to count (each new id's first record).
 * `clock` stands in for the transaction's start time, for tests around midnight.
 */
async function claimNew(client: pg.ClientBase, good: GoodRecord[], clock?: Date): Promise<ReportEvent[]> {
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

const records = (ids: string[]): GoodRecord[] =>
  ids.map((id, i) => ({ offset: BigInt(i), event: reportEvent({ event_id: id }) }));

/** Runs `work` in a transaction of its own client; commits unless told to keep it open. */
async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>) {
  const client = await pool.connect();
  await client.query('BEGIN');
  const result = await work(client);
  return {
    result,
    commit: async () => {
      await client.query('COMMIT');
      client.release();
    },
  };
}

const claimedNow = async (ids: string[], clock?: Date) => {
  const tx = await inTransaction((client) => claimNew(client, records(ids), clock));
  await tx.commit();
  return tx.result.map((e) => e.event_id);
};

/** Backends of this database waiting for a lock. */
const waitingForLocks = async () =>
  Number(
    (
      await sql<{ n: string }>(
        db.url,
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      )
    )[0]?.n,
  );

describe('the dedupe claim', () => {
  it('counts a new id once, even twice in one batch, and never an id counted on an earlier day', async () => {
    const [fresh, today, yesterday] = [randomUUID(), randomUUID(), randomUUID()];
    await sql(
      db.url,
      "INSERT INTO seen_events VALUES ($1, (now() AT TIME ZONE 'UTC')::date), ($2, (now() AT TIME ZONE 'UTC')::date - 1)",
      [today, yesterday],
    );
    expect(await claimedNow([fresh, today, fresh, yesterday])).toEqual([fresh]);
    expect(await claimedNow([fresh])).toEqual([]);
  });

  it('makes the second of two concurrent transactions wait for the first, and count nothing', async () => {
    const id = randomUUID();
    const first = await inTransaction((client) => claimNew(client, records([id])));
    expect(first.result.map((e) => e.event_id)).toEqual([id]);
    const second = claimedNow([id]);
    let settled = false;
    void second.finally(() => {
      settled = true;
    });
    await eventually('the second claim waits for the first transaction', async () => (await waitingForLocks()) >= 1);
    expect(settled).toBe(false);
    await first.commit();
    expect(await second).toEqual([]);
  });

  it('catches a transaction that began before midnight, from one that begins just after', async () => {
    const id = randomUUID();
    const midnight = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const beforeMidnight = await inTransaction((client) => claimNew(client, records([id]), new Date(midnight.getTime() - 1_000)));
    expect(beforeMidnight.result).toHaveLength(1);
    const afterMidnight = claimedNow([id], new Date(midnight.getTime() + 30_000));
    await eventually('the claim after midnight waits for the one before', async () => (await waitingForLocks()) >= 1);
    await beforeMidnight.commit();
    expect(await afterMidnight).toEqual([]);
    // Past the grace a day only reads yesterday, which holds the id by now.
    expect(await claimedNow([id], new Date(midnight.getTime() + 11 * 60_000))).toEqual([]);
  });

  it('counts an id resent with another user once when both partitions apply it at once', async () => {
    const id = randomUUID();
    const topic = `dedupe-${randomUUID()}`;
    const before = await countedEvents(db.url);
    const onPartition = (partition: number, userId: string) => ({
      group: 'g',
      topic,
      partition,
      firstOffset: 0n,
      lastOffset: 0n,
      good: [{ offset: 0n, event: reportEvent({ event_id: id, user_id: userId, occurred_at: Date.UTC(2026, 0, 1, 12) }) }],
      poison: [],
    });
    // Partition 0's apply is held at its upsert by a row another transaction is inserting, after
    // its dedupe step; partition 1's apply of the same id (another user) runs meanwhile.
    const blocker = await inTransaction((client) =>
      client.query(
        "INSERT INTO aggregates_minute (bucket_start, user_id, action, event_count, first_occurred_at, last_occurred_at) VALUES ('2026-01-01T12:00:00Z', 'user-a', $1, 0, now(), now())",
        [onPartition(0, 'user-a').good[0]?.event.action],
      ),
    );
    const a = applyBatch(pool, onPartition(0, 'user-a'));
    await eventually('partition 0 waits at its upsert', async () => (await waitingForLocks()) >= 1);
    const b = applyBatch(pool, onPartition(1, 'user-b'));
    await eventually(
      'partition 1 waits too, or is done',
      async () => (await waitingForLocks()) >= 2 || (await countedEvents(db.url)) > before,
    );
    await blocker.commit();
    const outcomes = await Promise.all([a, b]);
    expect(outcomes.map((o) => (o.kind === 'applied' ? o.counted : -1)).sort()).toEqual([0, 1]);
    expect(await countedEvents(db.url)).toBe(before + 1);
  });

  it('probes the index once per id instead of scanning a day, however many ids the batch has', async () => {
    await sql(
      db.url,
      "INSERT INTO seen_events (event_id, seen_on) SELECT gen_random_uuid(), (now() AT TIME ZONE 'UTC')::date - (n % 2) FROM generate_series(1, 200000) n",
    );
    await sql(db.url, 'ANALYZE seen_events');
    const ids = Array.from({ length: 8_000 }, () => randomUUID());
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${CLAIM_IDS}`, [ids, null]);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    // The days that hold rows (the empty days ahead are pruned when the statement runs).
    for (const daysAgo of [0, 1]) {
      const day = new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
      expect(plan).toMatch(new RegExp(`Index Only Scan using seen_events_${day}_pkey`));
      expect(plan).not.toMatch(new RegExp(`Seq Scan on seen_events_${day}`));
    }
  });
});
