// PostgreSQL losing its last commits under a consumer that keeps running (a crash with
// synchronous_commit=off), simulated without a crash: the tables the consumer writes are put back
// to an earlier copy of themselves, in one transaction, while it runs. Its Kafka position is then
// past PostgreSQL's next_offset; the records in between must be read again and counted once, with
// no partition paused and no restart. (postgres-crash.integration.test.ts does it with a crash.)
import { WRITTEN_AGGREGATE_TABLES } from '@tally/db';
import { actualRows, countedEvents, eventually, expectedRows, produceEvents, reportEvent, sql, testKafka } from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** Every table a batch's transaction writes. */
const APPLIED_TABLES = [...WRITTEN_AGGREGATE_TABLES, 'seen_events', 'consumer_offsets', 'dead_letters'];

/** Copies what the consumer has applied so far, to lose what it applies after (`restore`). */
async function snapshot(url: string): Promise<{ restore: () => Promise<void> }> {
  await sql(url, APPLIED_TABLES.map((t) => `CREATE TABLE snapshot_${t} AS TABLE ${t};`).join('\n'));
  return {
    restore: async () => {
      // One transaction: the consumer's next batch sees either all of it or none.
      await sql(
        url,
        [
          'BEGIN;',
          `TRUNCATE ${APPLIED_TABLES.join(', ')};`,
          ...APPLIED_TABLES.map((t) => `INSERT INTO ${t} TABLE snapshot_${t};`),
          'COMMIT;',
        ].join('\n'),
      );
    },
  };
}

/** PostgreSQL's next_offset and Kafka's committed offset, per partition, equal the log's end. */
async function caughtUp(url: string, topic: string, group: string): Promise<boolean> {
  const admin = testKafka.admin();
  await admin.connect();
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const stored = await sql<{ partition: number; next_offset: string }>(
      url,
      'SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2',
      [group, topic],
    );
    return [...ends].every(
      ([partition, end]) =>
        end === '0' ||
        (stored.find((r) => r.partition === partition)?.next_offset === end &&
          committed?.partitions.find((p) => p.partition === partition)?.offset === end),
    );
  } finally {
    await admin.disconnect();
  }
}

const events = (n: number) => Array.from({ length: n }, () => reportEvent());

describe('commits PostgreSQL lost under a running consumer', () => {
  it('are read again from PostgreSQL’s next_offset when it falls behind the batch, with no partition paused and no restart', async () => {
    const t = await isolatedPipeline(cleanups, 2);
    const consumer = await startTestConsumer(t.config());
    cleanups.push(() => consumer.stop());

    const before = events(200);
    await produceEvents(t.topic, before);
    await eventually('the first 200 applied', () => caughtUp(t.url, t.topic, t.group));
    const applied = await snapshot(t.url);

    const lost = events(200);
    await produceEvents(t.topic, lost);
    await eventually('the next 200 applied', () => caughtUp(t.url, t.topic, t.group));
    await applied.restore(); // their commits are lost; the consumer's Kafka position is past them

    const after = events(200);
    await produceEvents(t.topic, after);
    await eventually('every partition read to its end again', () => caughtUp(t.url, t.topic, t.group), 30_000);
    expect(await countedEvents(t.url)).toBe(600);
    expect(await actualRows(t.url)).toEqual(expectedRows([...before, ...lost, ...after]));
    const ready = await consumer.server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    const metrics = (await consumer.server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).not.toMatch(/tally_consumer_offset_gaps_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/tally_consumer_offset_rewinds_total\{[^}]*\} [1-9]/);
  });

  it('start a partition’s offsets row at the log’s start, so records whose first commit was lost are not skipped', async () => {
    const t = await isolatedPipeline(cleanups, 1);
    const consumer = await startTestConsumer(t.config());
    cleanups.push(() => consumer.stop());
    const nothingApplied = await snapshot(t.url);

    const lost = events(150);
    await produceEvents(t.topic, lost);
    await eventually('the first 150 applied', () => caughtUp(t.url, t.topic, t.group));
    await nothingApplied.restore(); // the commit that made the partition's row is lost too

    const after = events(150);
    await produceEvents(t.topic, after);
    await eventually('the partition read to its end again', () => caughtUp(t.url, t.topic, t.group), 30_000);
    expect(await actualRows(t.url)).toEqual(expectedRows([...lost, ...after]));
    expect((await consumer.server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
