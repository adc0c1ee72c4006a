import { randomUUID } from 'node:crypto';
import { createTopicAndWait } from '@tally/kafka';
import { KAFKA_BROKERS, type MigratedDatabase, migratedDatabase } from '@tally/testkit';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningReports, startReports } from '../src/reports-app.ts';
import { insertRows, type KnownRow } from './known-rows.ts';

// Known rows; every expected figure below is worked out by hand from them.
const ROWS: KnownRow[] = [
  { bucket: '2026-11-24T10:00:00Z', user: 'u1', action: 'login', count: 2 },
  { bucket: '2026-11-24T10:00:00Z', user: 'u1', action: 'purchase', count: 3, values: [10, 20] },
  { bucket: '2026-11-24T10:01:00Z', user: 'u2', action: 'purchase', count: 1, values: [30] },
  { bucket: '2026-11-24T10:59:00Z', user: 'u1', action: 'login', count: 4 },
  { bucket: '2026-11-24T11:00:00Z', user: 'u2', action: 'login', count: 5, values: [1, 2, 3, 4, 5] },
  { bucket: '2026-11-25T09:00:00Z', user: 'u3', action: 'purchase', count: 7, values: [100] },
];

const kafka = new Kafka({ clientId: 'reports-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });

describe('the reports API', () => {
  let db: MigratedDatabase;
  let reports: RunningReports;
  const topic = `reports-test-${randomUUID()}`;
  const group = `reports-test-${randomUUID()}`;
  const NOW = Date.parse('2026-11-25T10:00:00Z');

  beforeAll(async () => {
    db = await migratedDatabase('tally_reports_test');
    await insertRows(db.pool, ROWS);
    const admin = kafka.admin();
    await admin.connect();
    await createTopicAndWait(admin, topic, 2);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `a${i}`, partition: 0 })) });
    await producer.send({ topic, messages: Array.from({ length: 3 }, (_, i) => ({ value: `b${i}`, partition: 1 })) });
    await producer.disconnect();
    // Partition 0 fully applied; partition 1 applied up to offset 1 (2 records behind).
    await db.pool.query(
      `INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset, events_counted, newest_occurred_at)
       VALUES ($1, $2, 0, 5, 5, '2026-11-24T09:59:00Z'), ($1, $2, 1, 1, 1, '2026-11-24T09:30:00Z')`,
      [group, topic],
    );
    await db.pool.query(
      `INSERT INTO dead_letters (topic, partition, "offset", reason_code, reason) VALUES ($1, 0, 3, 'NOT_WIRE_FORMAT', 'x'), ($1, 1, 0, 'UNKNOWN_SCHEMA_ID', 'y')`,
      [topic],
    );
    const config = loadConfig({
      DATABASE_URL: db.readerUrl,
      KAFKA_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
      REPORT_TOPIC: topic,
      CONSUMER_GROUP: group,
    });
    reports = await startReports(config, pino({ level: 'silent' }));
  });

  afterAll(async () => {
    await reports?.stop();
    await db?.drop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  const get = async (url: string) => {
    const response = await reports.server.inject({ method: 'GET', url });
    return { status: response.statusCode, body: response.json() };
  };

  it('rolls minutes up per action with count, sum, min, max and the average over valued events', async () => {
    const { status, body } = await get('/v1/aggregates?from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z&granularity=minute');
    expect(status).toBe(200);
    expect(body.rows).toEqual([
      { bucket_start: '2026-11-24T10:00:00.000Z', action: 'login', count: 2, sum: null, min: null, max: null, avg: null },
      { bucket_start: '2026-11-24T10:00:00.000Z', action: 'purchase', count: 3, sum: 30, min: 10, max: 20, avg: 15 },
      { bucket_start: '2026-11-24T10:01:00.000Z', action: 'purchase', count: 1, sum: 30, min: 30, max: 30, avg: 30 },
      { bucket_start: '2026-11-24T10:59:00.000Z', action: 'login', count: 4, sum: null, min: null, max: null, avg: null },
    ]);
    expect(body.next_cursor).toBeNull();
  });

  it('rolls up hours from aggregates_hour', async () => {
    const { body } = await get('/v1/aggregates?from=2026-11-24T10:00:00Z&to=2026-11-24T12:00:00Z&granularity=hour');
    expect(body.rows).toEqual([
      { bucket_start: '2026-11-24T10:00:00.000Z', action: 'login', count: 6, sum: null, min: null, max: null, avg: null },
      { bucket_start: '2026-11-24T10:00:00.000Z', action: 'purchase', count: 4, sum: 60, min: 10, max: 30, avg: 20 },
      { bucket_start: '2026-11-24T11:00:00.000Z', action: 'login', count: 5, sum: 15, min: 1, max: 5, avg: 3 },
    ]);
  });

  it('rolls up whole UTC days, ungrouped, and widens a range to whole buckets', async () => {
    const { body } = await get('/v1/aggregates?from=2026-11-24T08:00:00Z&to=2026-11-25T12:00:00Z&granularity=day&group_by=none');
    expect(body.from).toBe('2026-11-24T00:00:00.000Z');
    expect(body.to).toBe('2026-11-26T00:00:00.000Z');
    expect(body.rows).toEqual([
      { bucket_start: '2026-11-24T00:00:00.000Z', count: 15, sum: 75, min: 1, max: 30, avg: 75 / 8 },
      { bucket_start: '2026-11-25T00:00:00.000Z', count: 7, sum: 100, min: 100, max: 100, avg: 100 },
    ]);
  });

  it('filters by user and by action', async () => {
    const { body } = await get(
      '/v1/aggregates?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z&granularity=hour&user_id=u2&action=purchase&group_by=user_id,action',
    );
    expect(body.rows).toEqual([
      {
        bucket_start: '2026-11-24T10:00:00.000Z',
        user_id: 'u2',
        action: 'purchase',
        count: 1,
        sum: 30,
        min: 30,
        max: 30,
        avg: 30,
      },
    ]);
  });

  it('pages through every row exactly once with the cursor', async () => {
    const url = '/v1/aggregates?from=2026-11-24T10:00:00Z&to=2026-11-24T12:00:00Z&granularity=minute&group_by=user_id,action';
    const whole = (await get(url)).body.rows;
    const paged: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { body } = await get(`${url}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      paged.push(...body.rows);
      cursor = body.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(whole).toHaveLength(5);
    expect(pages).toBe(3);
    expect(paged).toEqual(whole);
  });

  it('ranks users by count and by sum, reading whole hours and the minutes at the edges', async () => {
    const byCount = (await get('/v1/top?by=user&metric=count&from=2026-11-24T10:00:00Z&to=2026-11-25T10:00:00Z')).body;
    expect(byCount.entries).toEqual([
      { key: 'u1', count: 9, sum: 30 },
      { key: 'u3', count: 7, sum: 100 },
      { key: 'u2', count: 6, sum: 45 },
    ]);
    const bySum = (await get('/v1/top?by=user&metric=sum&from=2026-11-24T10:00:00Z&to=2026-11-25T10:00:00Z&limit=2')).body;
    expect(bySum.entries.map((e: { key: string }) => e.key)).toEqual(['u3', 'u2']);
    // 10:30-12:30: the 10:59 minute row and the 11:00 hour, not the 10:00 or 10:01 rows.
    const edges = (await get('/v1/top?by=user&from=2026-11-24T10:30:00Z&to=2026-11-24T12:30:00Z')).body;
    expect(edges.entries).toEqual([
      { key: 'u2', count: 5, sum: 15 },
      { key: 'u1', count: 4, sum: null },
    ]);
    const actions = (await get('/v1/top?by=action&from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z')).body;
    expect(actions.entries).toEqual([
      { key: 'login', count: 11, sum: 15 },
      { key: 'purchase', count: 4, sum: 60 },
    ]);
  });

  it.each([
    ['granularity=week', 'granularity', /one of minute, hour, day/],
    ['from=yesterday', 'from', /ISO-8601/],
    ['limit=0', 'limit', /from 1 to 10000/],
    ['group_by=country', 'group_by', /user_id and\/or action/],
    ['action=Bad%20Action', 'action', /a-z, 0-9/],
    ['from=2026-11-24T12:00:00Z&to=2026-11-24T10:00:00Z', 'from', /before to/],
    ['from=2026-11-20T00:00:00Z&to=2026-11-24T00:00:00Z&granularity=minute', 'to', /at most 24 hours/],
    ['cursor=not-a-cursor', 'cursor', /not a cursor/],
  ])('answers 400 naming the bad parameter for %s', async (query, field, reason) => {
    const { status, body } = await get(`/v1/aggregates?${query}`);
    expect(status).toBe(400);
    expect(body.error).toBe('invalid query');
    expect(body.fields[field]).toMatch(reason);
  });

  it('names every bad parameter at once', async () => {
    const { status, body } = await get('/v1/top?by=team&metric=median&limit=1000');
    expect(status).toBe(400);
    expect(Object.keys(body.fields).sort()).toEqual(['by', 'limit', 'metric']);
  });

  it('reports per-partition progress and how far the numbers can be trusted', async () => {
    const { status, body } = await get('/v1/freshness');
    expect(status).toBe(200);
    expect(body.partitions).toEqual([
      {
        partition: 0,
        high_watermark: 5,
        applied_offset: 5,
        lag: 0,
        events_counted: 5,
        newest_occurred_at: '2026-11-24T09:59:00.000Z',
      },
      {
        partition: 1,
        high_watermark: 3,
        applied_offset: 1,
        lag: 2,
        events_counted: 1,
        newest_occurred_at: '2026-11-24T09:30:00.000Z',
      },
    ]);
    expect(body.lag).toBe(2);
    expect(body.dead_letters).toBe(2);
    // Partition 1 lags, so the pipeline is complete only through the newest event it applied.
    expect(body.complete_through).toBe('2026-11-24T09:30:00.000Z');
  });

  it('streams per-second progress as Server-Sent Events', async () => {
    const address = await reports.server.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const response = await fetch(`${address}/v1/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!text.includes('event: progress') || !text.slice(text.indexOf('event: progress')).includes('\n\n')) {
      if (Date.now() > deadline) throw new Error(`no progress frame in 10 s: ${text}`);
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const data = /event: progress\ndata: (.*)\n/.exec(text)?.[1] ?? '{}';
    const frame = JSON.parse(data);
    expect(frame).toMatchObject({ lag: 2, dead_letters: 2, ingested_per_s: 0, applied_per_s: 0, counted_per_s: 0 });
    expect(Date.parse(frame.at)).toBeGreaterThan(NOW - 365 * 86_400_000);
  });

  it('reads with a role that cannot change anything', async () => {
    const pg = (await import('pg')).default;
    const reader = new pg.Client({ connectionString: db.readerUrl });
    await reader.connect();
    try {
      for (const sql of [
        "INSERT INTO aggregates_minute (bucket_start, user_id, action, event_count, first_occurred_at, last_occurred_at) VALUES (now(), 'x', 'y', 1, now(), now())",
        'DELETE FROM consumer_offsets',
        'UPDATE aggregates_hour SET event_count = 0',
        'DROP TABLE dead_letters',
        'CREATE TABLE sneaky (id int)',
      ]) {
        await expect(reader.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
    } finally {
      await reader.end();
    }
  });
});
