// Kafka's committed offsets as the consumer keeps them: advisory copies of PostgreSQL's, moved
// after each applied batch, and never where a newly assigned partition starts reading (that is
// PostgreSQL's next_offset, sought before the first fetch).
import {
  appliedRecords,
  countedEvents,
  eventually,
  produceEvents,
  produceRaw,
  reportEvent,
  sql,
  testKafka,
} from '@tally/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function withAdmin<T>(work: (admin: ReturnType<typeof testKafka.admin>) => Promise<T>): Promise<T> {
  const admin = testKafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offsets in Kafka, `partition → offset` (-1: none). */
const kafkaCommitted = (group: string, topic: string) =>
  withAdmin(async (admin) => {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
  });

const postgresNext = async (url: string, group: string) =>
  new Map(
    (
      await sql<{ partition: number; next_offset: string }>(
        url,
        'SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1',
        [group],
      )
    ).map((r) => [r.partition, r.next_offset]),
  );

/** Records ever written to the topic (the sum of its partitions' high watermarks). */
const recordsOn = (topic: string) =>
  withAdmin(async (admin) => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0));

const poisonRecords = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'p', value: Buffer.from(`not avro ${i}`) }));

describe('Kafka’s committed offsets', () => {
  it('follow PostgreSQL’s next_offset after each applied batch, so lag tools see the real lag', async () => {
    const t = await isolatedPipeline(cleanups, 3);
    const events = Array.from({ length: 90 }, (_, i) => reportEvent({ user_id: `u${i % 11}` }));
    await produceEvents(t.topic, events);
    const consumer = await startTestConsumer(t.config());
    cleanups.push(() => consumer.stop());
    await eventually('90 counted', async () => (await countedEvents(t.url)) === 90);

    const stored = await postgresNext(t.url, t.group);
    expect([...stored.keys()].sort()).toEqual([0, 1, 2]);
    // The Kafka commit follows the PostgreSQL commit, so it may land a moment later.
    await eventually(
      'Kafka’s committed offsets equal PostgreSQL’s',
      async () => {
        const committed = await kafkaCommitted(t.group, t.topic);
        return [...stored].every(([partition, next]) => committed.get(partition) === next);
      },
      15_000,
    );
  });

  it('are not where a new member starts: it reads from PostgreSQL’s offset, dead-letters no poison again and counts nothing twice, even when PostgreSQL answers slowly at join', async () => {
    const t = await isolatedPipeline(cleanups, 1);
    const good = [reportEvent({ user_id: 'g' }), reportEvent({ user_id: 'g' })];
    await produceEvents(t.topic, [good[0] as never]);
    await produceRaw(t.topic, poisonRecords(5));
    await produceEvents(t.topic, [good[1] as never]);

    const first = await startTestConsumer(t.config());
    await eventually('all 7 records applied', async () => (await appliedRecords(t.url, t.group)) === 7);
    await eventually('5 dead letters sent', async () => (await recordsOn(t.deadLetterTopic)) === 5);
    await first.stop();
    const deadLetterRows = await sql(t.url, 'SELECT * FROM dead_letters ORDER BY "offset"');
    expect(deadLetterRows).toHaveLength(5);

    // Kafka's offsets trail PostgreSQL's, as after a crash between the two commits: back to the start.
    await withAdmin((admin) => admin.resetOffsets({ groupId: t.group, topic: t.topic, earliest: true }));

    // PostgreSQL holds the offsets table back while the new member joins, so the read of the
    // offsets to seek to waits, as it would on a slow or restarting server.
    const blocker = new pg.Client({ connectionString: t.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE consumer_offsets IN ACCESS EXCLUSIVE MODE');
    const starting = startTestConsumer(t.config());
    try {
      await eventually('the new member waits for the offsets table', async () => {
        const rows = await sql<{ n: string }>(
          t.url,
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%consumer_offsets%'`,
        );
        return Number(rows[0]?.n) > 0;
      });
      // NOTE: a fault of a set length, not a wait for a condition: long enough for many fetches,
      // which is what must not happen before the seek.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const second = await starting;
    cleanups.push(() => second.stop());

    const marker = reportEvent({ user_id: 'marker' });
    await produceEvents(t.topic, [marker]);
    await eventually('the marker counted', async () => (await countedEvents(t.url)) === 3);
    expect(await recordsOn(t.deadLetterTopic)).toBe(5);
    expect(await sql(t.url, 'SELECT * FROM dead_letters ORDER BY "offset"')).toEqual(deadLetterRows);
    expect(await appliedRecords(t.url, t.group)).toBe(8);
    const metrics = (await second.server.inject({ method: 'GET', url: '/metrics' })).body;
    // One: the last applied record, read again once to check the log is the same (log-identity/).
    expect(metrics).toMatch(/^tally_consumer_records_already_applied_total 1$/m);
  });
});
