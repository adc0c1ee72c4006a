import { randomUUID } from 'node:crypto';
import { foldHourPerAction, maintainDedupPartitions, migrate } from '@tally/db';
import { createDatabase, migratedDatabase, reportEvent } from '@tally/testkit';
import pg from 'pg';
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

function batchOf(topic: string, first: number, events: ReturnType<typeof reportEvent>[], partition = 0): BatchToApply {
  return {
    group: 'g',
    topic,
    partition,
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

  // Issue 15, item 5: every partition's batches upserted the same per-action rows, so a consumer
  // frozen inside its transaction stalled all partitions.
  it('keeps the per-action hours as partial rows of each partition, summed under the old name', async () => {
    const topic = `shards-${randomUUID()}`;
    const ev = (user: string, iso: string, value: number | null) =>
      reportEvent({ user_id: user, action: 'sharded', occurred_at: at(iso), value });
    await applyBatch(pool, batchOf(topic, 0, [ev('a', '2026-11-25T10:05:00Z', 5), ev('a', '2026-11-25T10:06:00Z', null)], 0));
    await applyBatch(pool, batchOf(topic, 0, [ev('b', '2026-11-25T10:30:00Z', -2), ev('b', '2026-11-25T10:40:00Z', null)], 1));
    await applyBatch(pool, batchOf(topic, 0, [ev('c', '2026-11-25T10:50:00Z', null)], 2));
    await applyBatch(pool, batchOf(topic, 2, [ev('a', '2026-11-25T10:01:00Z', 9)], 0));

    const { rows: partials } = await pool.query(
      "SELECT shard, event_count, value_sum, value_count FROM aggregates_hour_per_action_shard WHERE action = 'sharded' ORDER BY shard",
    );
    expect(partials).toEqual([
      { shard: 0, event_count: '3', value_sum: 14, value_count: '2' },
      { shard: 1, event_count: '2', value_sum: -2, value_count: '1' },
      { shard: 2, event_count: '1', value_sum: null, value_count: '0' },
    ]);
    const { rows: summed } = await pool.query("SELECT * FROM aggregates_hour_per_action WHERE action = 'sharded'");
    expect(summed).toEqual([
      {
        bucket_start: new Date('2026-11-25T10:00:00Z'),
        user_id: '',
        action: 'sharded',
        event_count: '6',
        value_sum: 12,
        value_min: -2,
        value_max: 9,
        first_occurred_at: new Date('2026-11-25T10:01:00Z'),
        last_occurred_at: new Date('2026-11-25T10:50:00Z'),
        updated_at: expect.any(Date),
        value_count: '3',
      },
    ]);
  });

  it('moves the per-action rows of an older schema into partial rows that sum to the same numbers', async () => {
    const db = await createDatabase();
    const owner = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      await migrate(db.url, { before: '1795620000000_per-partition-rollups' });
      // Hours as an older consumer left them: one without value_count (from before the column),
      // one whose events carried no value, one as today's.
      await owner.query(`
        INSERT INTO aggregates_hour (bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at)
        VALUES ('2026-11-20T08:00Z', 'a', 'job', 3, 6, 1, 3, NULL, '2026-11-20T08:01Z', '2026-11-20T08:50Z'),
               ('2026-11-20T08:00Z', 'b', 'job', 2, NULL, NULL, NULL, 0, '2026-11-20T08:02Z', '2026-11-20T08:03Z'),
               ('2026-11-20T09:00Z', 'a', 'job', 4, 10, -1, 8, 2, '2026-11-20T09:00Z', '2026-11-20T09:59Z');
        INSERT INTO aggregates_hour_per_action (bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at)
        SELECT bucket_start, '', action, sum(event_count), sum(value_sum), min(value_min), max(value_max),
               CASE WHEN bool_and(value_sum IS NULL OR value_count IS NOT NULL) THEN sum(value_count) END,
               min(first_occurred_at), max(last_occurred_at)
        FROM aggregates_hour GROUP BY 1, 3;`);
      const before = (await owner.query('SELECT * FROM aggregates_hour_per_action ORDER BY 1, 3')).rows;

      await migrate(db.url);
      const after = await owner.query('SELECT * FROM aggregates_hour_per_action ORDER BY 1, 3');
      expect(after.rows).toEqual(before);
      expect(after.fields.map((f) => [f.name, f.dataTypeID])).toEqual(
        (await owner.query('SELECT * FROM aggregates_hour LIMIT 0')).fields.map((f) => [f.name, f.dataTypeID]),
      );

      // Applied on top, the sums go on as the single rows would have: an unknown count stays unknown.
      await maintainDedupPartitions(owner, 8);
      const topic = `migrated-${randomUUID()}`;
      const more = [
        reportEvent({ user_id: 'a', action: 'job', occurred_at: at('2026-11-20T08:30:00Z'), value: 4 }),
        reportEvent({ user_id: 'c', action: 'job', occurred_at: at('2026-11-20T09:30:00Z'), value: 20 }),
      ];
      await applyBatch(owner, batchOf(topic, 0, more.slice(0, 1), 3));
      await applyBatch(owner, batchOf(topic, 0, more.slice(1), 5));
      const { rows } = await owner.query(
        'SELECT bucket_start, event_count, value_sum, value_min, value_max, value_count FROM aggregates_hour_per_action ORDER BY 1',
      );
      expect(rows).toEqual([
        {
          bucket_start: new Date('2026-11-20T08:00Z'),
          event_count: '6',
          value_sum: 10,
          value_min: 1,
          value_max: 4,
          value_count: null,
        },
        {
          bucket_start: new Date('2026-11-20T09:00Z'),
          event_count: '5',
          value_sum: 30,
          value_min: -1,
          value_max: 20,
          value_count: '3',
        },
      ]);

      // Folded into one row per hour, the numbers (an unknown count included) stay the same.
      const unfolded = (await owner.query('SELECT * FROM aggregates_hour_per_action ORDER BY 1, 3')).rows;
      expect(await foldHourPerAction(owner, new Date('2026-11-21T00:00Z'))).toBe(2);
      expect((await owner.query('SELECT * FROM aggregates_hour_per_action ORDER BY 1, 3')).rows).toEqual(unfolded);
      expect((await owner.query('SELECT DISTINCT shard FROM aggregates_hour_per_action_shard')).rows).toEqual([{ shard: -1 }]);
    } finally {
      await owner.end();
      await db.drop();
    }
  });

  it('folds the partial rows of closed hours into one row each, and the view keeps every number', async () => {
    const topic = `fold-${randomUUID()}`;
    const ev = (user: string, iso: string, value: number | null) =>
      reportEvent({ user_id: user, action: 'folded', occurred_at: at(iso), value });
    const view = async () =>
      (await pool.query("SELECT * FROM aggregates_hour_per_action WHERE action = 'folded' ORDER BY bucket_start")).rows;
    const shards = async () =>
      (
        await pool.query(
          "SELECT bucket_start, shard FROM aggregates_hour_per_action_shard WHERE action = 'folded' ORDER BY bucket_start, shard",
        )
      ).rows.map((r: { bucket_start: Date; shard: number }) => `${r.bucket_start.toISOString().slice(11, 13)}h:${r.shard}`);
    await applyBatch(pool, batchOf(topic, 0, [ev('a', '2026-11-26T08:10:00Z', 1.5), ev('a', '2026-11-26T09:10:00Z', 2)], 0));
    await applyBatch(pool, batchOf(topic, 0, [ev('b', '2026-11-26T08:20:00Z', null), ev('b', '2026-11-26T09:20:00Z', null)], 1));
    await applyBatch(pool, batchOf(topic, 0, [ev('c', '2026-11-26T08:30:00Z', -4)], 2));
    expect(await shards()).toEqual(['08h:0', '08h:1', '08h:2', '09h:0', '09h:1']);

    const before = await view();
    await foldHourPerAction(pool, new Date('2026-11-26T09:00:00Z'));
    expect(await shards()).toEqual(['08h:-1', '09h:0', '09h:1']);
    expect(await view()).toEqual(before);

    // An event that arrives late for a folded hour is a partial row again, and is folded in later.
    await applyBatch(pool, batchOf(topic, 2, [ev('a', '2026-11-26T08:50:00Z', 10)], 0));
    await foldHourPerAction(pool, new Date('2026-11-26T10:00:00Z'));
    expect(await shards()).toEqual(['08h:-1', '09h:-1']);
    expect(await view()).toEqual([
      {
        ...before[0],
        event_count: '4',
        value_sum: 7.5,
        value_max: 10,
        value_count: '3',
        last_occurred_at: new Date('2026-11-26T08:50:00Z'),
        updated_at: expect.any(Date),
      },
      before[1],
    ]);
  });
});
