import { randomUUID } from 'node:crypto';
import { countedEvents, migratedDatabase, reportEvent } from '@tally/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatch, type BatchToApply } from '../src/apply/apply-batch.ts';
import type { GoodRecord } from '../src/decode-batch.ts';

// The fence, exercised directly: two owners of one partition apply overlapping batches in either
// order, as a consumer that lost its partition and woke up late would.
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let pool: pg.Pool;
beforeAll(async () => {
  db = await migratedDatabase();
  pool = db.pool;
});
afterAll(() => db.drop());

// One event per offset of each topic: redelivering an offset redelivers the same event.
const eventIds = new Map<string, string>();
function eventAt(topic: string, offset: number) {
  const key = `${topic}/${offset}`;
  const id = eventIds.get(key) ?? randomUUID();
  eventIds.set(key, id);
  return reportEvent({ event_id: id });
}

function batch(topic: string, from: number, to: number): BatchToApply {
  const good: GoodRecord[] = [];
  for (let offset = from; offset <= to; offset++) good.push({ offset: BigInt(offset), event: eventAt(topic, offset) });
  return { group: 'g', topic, partition: 0, firstOffset: BigInt(from), lastOffset: BigInt(to), good, poison: [] };
}

describe('the offset fence', () => {
  it('lets a stale owner apply nothing the new owner already applied', async () => {
    const topic = `fence-${randomUUID()}`;
    expect(await applyBatch(pool, batch(topic, 0, 9))).toMatchObject({ kind: 'applied', nextOffset: 10n, counted: 10 });
    // The zombie wakes up with the same batch it had before it was frozen.
    expect(await applyBatch(pool, batch(topic, 0, 9))).toMatchObject({
      kind: 'applied',
      nextOffset: 10n,
      counted: 0,
      alreadyApplied: 10,
    });
    expect(await countedEvents(db.url)).toBe(10);
  });

  it('applies only the part of an overlapping batch that is new, whoever comes second', async () => {
    const topic = `fence-${randomUUID()}`;
    const before = await countedEvents(db.url);
    await applyBatch(pool, batch(topic, 0, 9));
    expect(await applyBatch(pool, batch(topic, 5, 14))).toMatchObject({ nextOffset: 15n, counted: 5, alreadyApplied: 5 });
    expect(await applyBatch(pool, batch(topic, 10, 12))).toMatchObject({ nextOffset: 15n, counted: 0, alreadyApplied: 3 });
    expect(await countedEvents(db.url)).toBe(before + 15);
  });

  it('serialises two owners racing on the same partition', async () => {
    const topic = `fence-${randomUUID()}`;
    const before = await countedEvents(db.url);
    const [a, b] = await Promise.all([applyBatch(pool, batch(topic, 0, 49)), applyBatch(pool, batch(topic, 0, 49))]);
    expect([a, b].map((o) => (o.kind === 'applied' ? o.counted : -1)).sort()).toEqual([0, 50]);
    expect(await countedEvents(db.url)).toBe(before + 50);
  });

  it('refuses a batch that starts past the stored offset', async () => {
    const topic = `fence-${randomUUID()}`;
    await applyBatch(pool, batch(topic, 0, 4));
    expect(await applyBatch(pool, batch(topic, 7, 9))).toEqual({ kind: 'gap', storedNextOffset: 5n, firstOffset: 7n });
  });
});

// What PostgreSQL folds in the batch statement (apply/upsert.ts), checked row by row.
describe('the fold of a batch into minute rows', () => {
  it('puts events in their minute (the first millisecond included), counts an id once at its first record, and keeps no value when none came', async () => {
    const topic = `fold-${randomUUID()}`;
    const minute = Date.UTC(2026, 10, 30, 9, 15);
    const user = `fold-${randomUUID().slice(0, 8)}`;
    const twice = randomUUID();
    const events = [
      reportEvent({ user_id: user, action: 'a', occurred_at: minute - 1, value: 7 }),
      reportEvent({ user_id: user, action: 'a', occurred_at: minute, value: 2 }),
      reportEvent({ event_id: twice, user_id: user, action: 'a', occurred_at: minute + 59_999, value: 5 }),
      // The same id again in the batch, with other content: the first record is the one counted.
      reportEvent({ event_id: twice, user_id: user, action: 'a', occurred_at: minute + 30_000, value: 1_000 }),
      reportEvent({ user_id: user, action: 'b', occurred_at: minute + 1_000, value: null }),
    ];
    const good = events.map((event, i) => ({ offset: BigInt(i), event }));
    const outcome = await applyBatch(pool, {
      group: 'g',
      topic,
      partition: 0,
      firstOffset: 0n,
      lastOffset: 4n,
      good,
      poison: [],
    });
    expect(outcome).toMatchObject({ kind: 'applied', counted: 4, duplicates: 1, rows: 3 });
    const { rows } = await pool.query(
      `SELECT bucket_start, action, event_count::int, value_sum, value_min, value_max, value_count::int, first_occurred_at, last_occurred_at
         FROM aggregates_minute WHERE user_id = $1 ORDER BY bucket_start, action`,
      [user],
    );
    const at = (ms: number) => new Date(ms);
    expect(rows).toEqual([
      {
        bucket_start: at(minute - 60_000),
        action: 'a',
        event_count: 1,
        value_sum: 7,
        value_min: 7,
        value_max: 7,
        value_count: 1,
        first_occurred_at: at(minute - 1),
        last_occurred_at: at(minute - 1),
      },
      {
        bucket_start: at(minute),
        action: 'a',
        event_count: 2,
        value_sum: 7,
        value_min: 2,
        value_max: 5,
        value_count: 2,
        first_occurred_at: at(minute),
        last_occurred_at: at(minute + 59_999),
      },
      {
        bucket_start: at(minute),
        action: 'b',
        event_count: 1,
        value_sum: null,
        value_min: null,
        value_max: null,
        value_count: 0,
        first_occurred_at: at(minute + 1_000),
        last_occurred_at: at(minute + 1_000),
      },
    ]);
  });
});
