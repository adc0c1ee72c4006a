import {
  actualRows,
  appliedRecords,
  countedEvents,
  eventually,
  expectedRows,
  produceEvents,
  produceRaw,
  reportEvent,
  sql,
  testKafka,
} from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../src/dead-letter.ts';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const setup = (partitions = 3) => isolatedPipeline(cleanups, partitions);

const minute = Date.UTC(2026, 10, 24, 10, 0, 0);

describe('the consumer against the real Kafka, registry and PostgreSQL', () => {
  it('keeps exact aggregates for a known input', async () => {
    const t = await setup();
    await produceEvents(t.topic, [
      reportEvent({ user_id: '1', action: 'login', occurred_at: minute + 5_000, value: 10 }),
      reportEvent({ user_id: '1', action: 'login', occurred_at: minute + 59_999, value: 2.5 }),
      reportEvent({ user_id: '1', action: 'login', occurred_at: minute + 30_000, value: null }),
      reportEvent({ user_id: '1', action: 'login', occurred_at: minute + 60_000, value: null }),
      reportEvent({ user_id: '2', action: 'job.finished', occurred_at: minute, value: 312 }),
    ]);
    const consumer = await startTestConsumer(t.config());
    cleanups.push(() => consumer.stop());
    await eventually('5 events counted', async () => (await countedEvents(t.url)) === 5);

    const rows = await sql(
      t.url,
      `SELECT to_char(bucket_start AT TIME ZONE 'UTC', 'HH24:MI') AS minute, user_id, action, event_count::int AS n,
              value_sum, value_min, value_max,
              to_char(first_occurred_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') AS first, to_char(last_occurred_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') AS last
       FROM aggregates_minute ORDER BY bucket_start, user_id`,
    );
    expect(rows).toEqual([
      {
        minute: '10:00',
        user_id: '1',
        action: 'login',
        n: 3,
        value_sum: 12.5,
        value_min: 2.5,
        value_max: 10,
        first: '10:00:05.000',
        last: '10:00:59.999',
      },
      {
        minute: '10:00',
        user_id: '2',
        action: 'job.finished',
        n: 1,
        value_sum: 312,
        value_min: 312,
        value_max: 312,
        first: '10:00:00.000',
        last: '10:00:00.000',
      },
      {
        minute: '10:01',
        user_id: '1',
        action: 'login',
        n: 1,
        value_sum: null,
        value_min: null,
        value_max: null,
        first: '10:01:00.000',
        last: '10:01:00.000',
      },
    ]);
    const offsets = await sql<{ n: string }>(
      t.url,
      'SELECT sum(next_offset) AS n FROM consumer_offsets WHERE consumer_group = $1',
      [t.group],
    );
    expect(Number(offsets[0]?.n)).toBe(5);
  });

  it('starts two consumers at once on a new database (migrations and partition upkeep take turns)', async () => {
    const t = await setup();
    const [a, b] = await Promise.all([startTestConsumer(t.config()), startTestConsumer(t.config())]);
    cleanups.push(
      () => a.stop(),
      () => b.stop(),
    );
    await produceEvents(t.topic, [reportEvent(), reportEvent()]);
    await eventually('2 counted', async () => (await countedEvents(t.url)) === 2);
  });

  it('counts a resent event_id once, across batches and within one', async () => {
    const t = await setup();
    const original = reportEvent({ user_id: '7', value: 3 });
    await produceEvents(t.topic, [original, original, reportEvent({ user_id: '7' })]);
    const consumer = await startTestConsumer(t.config());
    cleanups.push(() => consumer.stop());
    await eventually('3 records applied', async () => (await appliedRecords(t.url, t.group)) === 3);
    await produceEvents(t.topic, [original, { ...original, received_at: original.received_at + 60_000 }]);
    await eventually('5 records applied', async () => (await appliedRecords(t.url, t.group)) === 5);
    expect(await countedEvents(t.url)).toBe(2);
    const metrics = (await consumer.server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('tally_consumer_duplicates_dropped_total 3');
  });

  it('counts an event_id resent in upper case once, within a batch and across batches', async () => {
    const t = await setup();
    const original = reportEvent({ user_id: '8' });
    const shouted = { ...original, event_id: original.event_id.toUpperCase() };
    await produceEvents(t.topic, [original, shouted]);
    const consumer = await startTestConsumer(t.config());
    cleanups.push(() => consumer.stop());
    await eventually('2 records applied', async () => (await appliedRecords(t.url, t.group)) === 2);
    await produceEvents(t.topic, [shouted]);
    await eventually('3 records applied', async () => (await appliedRecords(t.url, t.group)) === 3);
    expect(await countedEvents(t.url)).toBe(1);
  });

  it('counts nothing twice when Kafka’s offsets trail PostgreSQL’s (a crash between the two commits, or a replay)', async () => {
    const t = await setup();
    const events = Array.from({ length: 300 }, () => reportEvent());
    await produceEvents(t.topic, events);
    const first = await startTestConsumer(t.config());
    await eventually('300 counted', async () => (await countedEvents(t.url)) === 300);
    await first.stop();

    // Rewind the group in Kafka to the very beginning, as a crash before the Kafka commit would.
    const admin = testKafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: t.group, topic: t.topic, earliest: true });
    await admin.disconnect();

    const marker = reportEvent({ user_id: 'marker' });
    await produceEvents(t.topic, [marker]);
    const second = await startTestConsumer(t.config());
    cleanups.push(() => second.stop());
    await eventually('the marker counted', async () => (await countedEvents(t.url)) === 301, 60_000);
    expect(await actualRows(t.url)).toEqual(expectedRows([...events, marker]));
  });

  it('sends each kind of poison to the dead-letter topic with its reason, and counts the good records around them', async () => {
    const t = await setup(1);
    const good = [reportEvent({ user_id: 'g' }), reportEvent({ user_id: 'g' }), reportEvent({ user_id: 'g' })];
    await produceEvents(t.topic, [good[0] as never]);
    await produceRaw(t.topic, [
      { key: 'p', value: Buffer.from('{"user_id": 1}') },
      { key: 'p', value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1]), headers: { origin: 'test' } },
      { key: 'p', value: Buffer.from([0, 0, 0, 0]) },
    ]);
    await produceEvents(t.topic, [good[1] as never, { ...reportEvent({ user_id: 'g' }), action: 'Not Valid' }, good[2] as never]);

    const consumer = await startTestConsumer(t.config());
    cleanups.push(() => consumer.stop());
    await eventually('all 7 records applied', async () => (await appliedRecords(t.url, t.group)) === 7);
    expect(await countedEvents(t.url)).toBe(3);

    const letters = await sql<{ offset: string; reason_code: string }>(
      t.url,
      'SELECT "offset", reason_code FROM dead_letters ORDER BY "offset"',
    );
    expect(letters).toEqual([
      { offset: '1', reason_code: 'NOT_WIRE_FORMAT' },
      { offset: '2', reason_code: 'UNKNOWN_SCHEMA_ID' },
      { offset: '3', reason_code: 'NOT_WIRE_FORMAT' },
      { offset: '5', reason_code: 'INVALID_EVENT' },
    ]);

    const dlq = testKafka.consumer({ groupId: `${t.group}-dlq-reader` });
    const read: { key: string; value: Buffer | null; headers: Record<string, string> }[] = [];
    await dlq.connect();
    await dlq.subscribe({ topic: t.deadLetterTopic, fromBeginning: true });
    await dlq.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        read.push({ key: String(message.key), value: message.value, headers });
      },
    });
    await eventually('4 dead letters read back', async () => read.length >= 4);
    await dlq.disconnect();
    const byOffset = new Map(read.map((r) => [r.headers[DLQ_HEADERS.offset], r]));
    expect(byOffset.get('1')?.value).toEqual(Buffer.from('{"user_id": 1}'));
    expect(byOffset.get('1')?.headers[DLQ_HEADERS.reason]).toMatch(/magic byte is 123/);
    expect(byOffset.get('2')?.headers).toMatchObject({
      origin: 'test',
      [DLQ_HEADERS.reasonCode]: 'UNKNOWN_SCHEMA_ID',
      [DLQ_HEADERS.topic]: t.topic,
      [DLQ_HEADERS.partition]: '0',
    });
    expect(byOffset.get('5')?.headers[DLQ_HEADERS.reason]).toMatch(/^action: must be lower-case/);
    expect(read.every((r) => r.key === 'p' || r.key === 'g')).toBe(true);
  });

  it('shares the work with a second consumer through rebalances and still counts every event once', async () => {
    const t = await setup(6);
    const batches = [0, 1, 2].map(() => Array.from({ length: 400 }, (_, i) => reportEvent({ user_id: `r${i % 23}` })));
    await produceEvents(t.topic, batches[0] ?? []);
    const a = await startTestConsumer(t.config());
    await eventually('the first 400 counted', async () => (await countedEvents(t.url)) === 400);
    const b = await startTestConsumer(t.config());
    cleanups.push(() => b.stop());
    await produceEvents(t.topic, batches[1] ?? []);
    await eventually('800 counted', async () => (await countedEvents(t.url)) === 800);
    await a.stop(); // b takes every partition
    await produceEvents(t.topic, batches[2] ?? []);
    await eventually('1,200 counted', async () => (await countedEvents(t.url)) === 1_200);
    expect(await actualRows(t.url)).toEqual(expectedRows(batches.flat()));
  });

  it('fails closed when Kafka offers records past what PostgreSQL applied', async () => {
    const t = await setup(1);
    await produceEvents(
      t.topic,
      Array.from({ length: 10 }, () => reportEvent()),
    );
    const consumer = await startTestConsumer(t.config());
    await eventually('10 counted', async () => (await countedEvents(t.url)) === 10);
    await consumer.stop();

    // PostgreSQL lost track after offset 2, and Kafka's retention removed records 0-4 meanwhile.
    await sql(t.url, 'UPDATE consumer_offsets SET next_offset = 2');
    const admin = testKafka.admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [t.topic] });
    await admin.deleteTopicRecords({ topic: t.topic, partitions: [{ partition: 0, offset: '5' }] });
    await admin.disconnect();

    const again = await startTestConsumer(t.config());
    cleanups.push(() => again.stop());
    await eventually(
      'the gap reported',
      async () => (await again.server.inject({ method: 'GET', url: '/readyz' })).statusCode === 503,
    );
    expect((await again.server.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({
      checks: { partitions: `paused for an offset gap: ${t.topic}/0` },
    });
    const [offset] = await sql<{ next_offset: string }>(t.url, 'SELECT next_offset FROM consumer_offsets');
    expect(offset?.next_offset).toBe('2'); // nothing skipped silently
    expect((await again.server.inject({ method: 'GET', url: '/metrics' })).body).toMatch(
      /tally_consumer_offset_gaps_total\{[^}]*\} 1/,
    );
  });
});
