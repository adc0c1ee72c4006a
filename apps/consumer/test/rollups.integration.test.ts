import { randomUUID } from 'node:crypto';
import { migratedDatabase, reportEvent } from '@tally/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatch, type BatchToApply } from '../src/apply/apply-batch.ts';

// What the reports read besides aggregates_minute, written in the same transaction.
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let pool: pg.Pool;
beforeAll(async () => {
  db = await migratedDatabase();
  pool = db.pool;
});
afterAll(() => db.drop());

const at = (iso: string) => Date.parse(iso);

function batchOf(topic: string, first: number, events: ReturnType<typeof reportEvent>[]): BatchToApply {
  return {
    group: 'g',
    topic,
    partition: 0,
    firstOffset: BigInt(first),
    lastOffset: BigInt(first + events.length - 1),
    good: events.map((e, i) => ({ offset: BigInt(first + i), event: e })),
    poison: [],
  };
}

describe('the rollups the reports read', () => {
  it('keeps the hourly tables equal to the minutes rolled up, and counts valued events for averages', async () => {
    const topic = `rollup-${randomUUID()}`;
    const events = [
      reportEvent({ user_id: 'a', action: 'job', occurred_at: at('2026-11-24T10:58:30Z'), value: 5 }),
      reportEvent({ user_id: 'a', action: 'job', occurred_at: at('2026-11-24T10:59:10Z'), value: null }),
      reportEvent({ user_id: 'a', action: 'job', occurred_at: at('2026-11-24T11:00:05Z'), value: 7 }),
      reportEvent({ user_id: 'b', action: 'job', occurred_at: at('2026-11-24T10:10:00Z'), value: 2 }),
    ];
    await applyBatch(pool, batchOf(topic, 0, events.slice(0, 2)));
    await applyBatch(pool, batchOf(topic, 2, events.slice(2)));

    const { rows: hours } = await pool.query(
      'SELECT bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count FROM aggregates_hour ORDER BY 1, 2, 3',
    );
    const { rows: rolledUp } = await pool.query(
      `SELECT date_trunc('hour', bucket_start, 'UTC') AS bucket_start, user_id, action, sum(event_count) AS event_count,
         sum(value_sum) AS value_sum, min(value_min) AS value_min, max(value_max) AS value_max, sum(value_count) AS value_count
       FROM aggregates_minute GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    expect(hours).toEqual(rolledUp);
    for (const [table, user, action] of [
      ['aggregates_hour_per_action', "''", 'action'],
      ['aggregates_hour_per_user', 'user_id', "''"],
    ] as const) {
      const { rows: kept } = await pool.query(
        `SELECT bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count FROM ${table} ORDER BY 1, 2, 3`,
      );
      const { rows: summed } = await pool.query(
        `SELECT bucket_start, ${user} AS user_id, ${action} AS action, sum(event_count) AS event_count, sum(value_sum) AS value_sum,
           min(value_min) AS value_min, max(value_max) AS value_max, sum(value_count) AS value_count
         FROM aggregates_hour GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      );
      expect(kept, table).toEqual(summed);
      expect(kept.length, table).toBeGreaterThan(0);
    }
    expect(hours.find((r) => r.user_id === 'a' && r.bucket_start.toISOString() === '2026-11-24T10:00:00.000Z')).toMatchObject({
      event_count: '2',
      value_sum: 5,
      value_count: '1',
    });
  });

  it('records per partition how many events were counted and the newest one applied', async () => {
    const topic = `progress-${randomUUID()}`;
    const events = [
      reportEvent({ occurred_at: at('2026-11-24T09:00:00Z') }),
      reportEvent({ occurred_at: at('2026-11-24T09:30:00Z') }),
      reportEvent({ occurred_at: at('2026-11-24T09:10:00Z') }),
    ];
    await applyBatch(pool, batchOf(topic, 0, events));
    // A resend of the first event (same id) at a later offset is not counted again.
    await applyBatch(pool, batchOf(topic, 3, [events[0] as ReturnType<typeof reportEvent>]));
    const { rows } = await pool.query<{ next_offset: string; events_counted: string; newest_occurred_at: Date }>(
      'SELECT next_offset, events_counted, newest_occurred_at FROM consumer_offsets WHERE topic = $1',
      [topic],
    );
    expect(rows).toEqual([{ next_offset: '4', events_counted: '3', newest_occurred_at: new Date('2026-11-24T09:30:00Z') }]);
  });
});
