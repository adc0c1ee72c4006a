// PostgreSQL's offsets belong to one log: a topic deleted and recreated under the consumer, or
// offsets stored from another Kafka cluster, stop the partitions loudly (/readyz naming the
// command, a metric, a flag in the row) instead of dropping new records as already applied, and
// `pnpm consumer:offsets` shows the state and resets it; a running consumer picks the reset up.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  actualRows,
  countedEvents,
  createTopic,
  eventually,
  expectedRows,
  produceEvents,
  reportEvent,
  sql,
  testKafka,
} from '@tally/testkit';
import { Partitioners } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsumerConfig } from '../src/config.ts';
import type { RunningConsumer } from '../src/consumer-app.ts';
import { runOffsetsCommand } from '../src/offsets-cli/run.ts';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const as = (url: string, role: string) => {
  const u = new URL(url);
  u.username = role;
  return u.toString();
};

/** `count` events over 20 users, so both partitions of a 2-partition topic get their share. */
const events = (count: number) => Array.from({ length: count }, (_, i) => reportEvent({ user_id: `user-${i % 20}` }));

async function readiness(consumer: RunningConsumer): Promise<{ status: number; checks: Record<string, string> }> {
  const response = await consumer.server.inject({ method: 'GET', url: '/readyz' });
  return { status: response.statusCode, checks: response.json().checks };
}

const metricsOf = async (consumer: RunningConsumer) => (await consumer.server.inject({ method: 'GET', url: '/metrics' })).body;

/** `pnpm consumer:offsets …`, called in-process with the consumer's config. */
async function offsetsCli(config: ConsumerConfig, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOffsetsCommand(config, argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const storedNext = async (url: string, group: string) =>
  new Map(
    (
      await sql<{ partition: number; next_offset: string }>(
        url,
        'SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1',
        [group],
      )
    ).map((r) => [r.partition, Number(r.next_offset)]),
  );

/** Deletes the topic, waits until Kafka no longer lists it, and creates it again, empty. */
async function recreateTopic(topic: string, partitions: number): Promise<void> {
  const admin = testKafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
    await eventually('the topic deleted', async () => !(await admin.listTopics()).includes(topic));
  } finally {
    await admin.disconnect();
  }
  // A deletion Kafka lists as done may still be finishing: creating again is retried until it takes.
  await eventually('the topic created again', () =>
    createTopic(topic, partitions).then(
      () => true,
      () => false,
    ),
  );
}

describe('offsets that no longer belong to the log', () => {
  it('stop the partitions when the topic is recreated with fewer records than applied, and count everything once after a reset', async () => {
    const t = await isolatedPipeline(cleanups, 2);
    // As in production: the consumer's role writes the identity and the flag, and runs the reset.
    const config = t.config({ DATABASE_URL: as(t.url, 'tally_consumer'), MIGRATIONS_DATABASE_URL: t.url });
    const consumer = await startTestConsumer(config, { recheckStoppedMs: 200 });
    cleanups.push(() => consumer.stop());
    const before = events(200);
    await produceEvents(t.topic, before);
    await eventually('200 counted', async () => (await countedEvents(t.url)) === 200);
    const applied = await storedNext(t.url, t.group);

    await recreateTopic(t.topic, 2);
    const fewer = events(60); // each partition gets fewer records than it had applied
    await produceEvents(t.topic, fewer);

    await eventually('both partitions stopped', async () => {
      const { status, checks } = await readiness(consumer);
      return status === 503 && /\/0 stopped/.test(checks.log ?? '') && /\/1 stopped/.test(checks.log ?? '');
    });
    const { checks } = await readiness(consumer);
    expect(checks.log).toMatch(/the log ends at offset \d+, below PostgreSQL's next_offset \d+/);
    expect(checks.log).toContain(
      'resolve: pnpm consumer:offsets show, then pnpm consumer:offsets reset --to earliest|latest|<offset> --partition 0',
    );
    expect(await metricsOf(consumer)).toMatch(/tally_consumer_partitions_stopped\{topic="[^"]+"\} 2/);
    expect(await metricsOf(consumer)).toMatch(/tally_consumer_log_mismatches_total\{[^}]*partition="1",reason="log_end"\} 1/);
    // Nothing was counted from the new log, and PostgreSQL's offsets stayed where they were.
    expect(await countedEvents(t.url)).toBe(200);
    expect(await storedNext(t.url, t.group)).toEqual(applied);

    // More records than were applied before: the partitions stay stopped, nothing is skipped.
    const more = events(400);
    await produceEvents(t.topic, more);
    const shown = await offsetsCli(config, 'show');
    expect(shown.code).toBe(0);
    expect(shown.out.join('\n')).toMatch(/^0 +\d+ +0 +\d+ +- +STOPPED by the consumer \(log_end\): the log ends at offset/m);
    expect(await countedEvents(t.url)).toBe(200);

    const reset = await offsetsCli(config, 'reset', '--to', 'earliest');
    expect(reset).toMatchObject({ code: 0, err: [] });
    expect(reset.out).toContain(`partition 0: next_offset ${applied.get(0)} → 0`);
    await eventually('every new record counted, without a restart', async () => (await countedEvents(t.url)) === 660, 30_000);
    expect(await actualRows(t.url)).toEqual(expectedRows([...before, ...fewer, ...more]));
    await eventually('ready again', async () => (await readiness(consumer)).status === 200);
    expect(await metricsOf(consumer)).toMatch(/tally_consumer_partitions_stopped\{topic="[^"]+"\} 0/);
  });

  it('stop the partitions when the topic is recreated with more records than applied', async () => {
    const t = await isolatedPipeline(cleanups, 2);
    const config = t.config();
    const consumer = await startTestConsumer(config, { recheckStoppedMs: 200 });
    cleanups.push(() => consumer.stop());
    const before = events(100);
    await produceEvents(t.topic, before);
    await eventually('100 counted', async () => (await countedEvents(t.url)) === 100);

    await recreateTopic(t.topic, 2);
    const more = events(300); // each partition gets more records than it had applied
    await produceEvents(t.topic, more);

    await eventually('both partitions stopped', async () => {
      const { status, checks } = await readiness(consumer);
      return status === 503 && /\/0 stopped/.test(checks.log ?? '') && /\/1 stopped/.test(checks.log ?? '');
    });
    // Whichever the consumer saw first: the new log still empty, or another record where its last applied one was.
    expect((await readiness(consumer)).checks.log).toMatch(
      /the log ends at offset 0, below|the record at offset \d+ is not the one applied/,
    );
    expect(await metricsOf(consumer)).toMatch(
      /tally_consumer_log_mismatches_total\{[^}]*partition="0",reason="(log_end|record)"\} 1/,
    );
    expect(await countedEvents(t.url)).toBe(100);

    expect(await offsetsCli(config, 'reset', '--to', 'earliest')).toMatchObject({ code: 0 });
    await eventually('every new record counted once', async () => (await countedEvents(t.url)) === 400, 30_000);
    expect(await actualRows(t.url)).toEqual(expectedRows([...before, ...more]));
  });

  it('stop a consumer started after its topic was recreated with more records than applied, at its last applied record', async () => {
    const t = await isolatedPipeline(cleanups, 2);
    const config = t.config();
    const first = await startTestConsumer(config);
    const before = events(100);
    await produceEvents(t.topic, before);
    await eventually('100 counted', async () => (await countedEvents(t.url)) === 100);
    await first.stop();

    await recreateTopic(t.topic, 2);
    const more = events(300);
    await produceEvents(t.topic, more);
    const consumer = await startTestConsumer(config, { recheckStoppedMs: 200 });
    cleanups.push(() => consumer.stop());
    await eventually('both partitions stopped', async () => {
      const { status, checks } = await readiness(consumer);
      return status === 503 && /\/0 stopped/.test(checks.log ?? '') && /\/1 stopped/.test(checks.log ?? '');
    });
    expect((await readiness(consumer)).checks.log).toMatch(
      /the record at offset \d+ is not the one applied \(applied offset \d+ \(.*, sha256 \w+…\); the log has offset \d+/,
    );
    expect(await metricsOf(consumer)).toMatch(/tally_consumer_log_mismatches_total\{[^}]*partition="1",reason="record"\} 1/);
    expect(await countedEvents(t.url)).toBe(100);

    expect(await offsetsCli(config, 'reset', '--to', 'earliest')).toMatchObject({ code: 0 });
    await eventually('every new record counted once', async () => (await countedEvents(t.url)) === 400, 30_000);
    expect(await actualRows(t.url)).toEqual(expectedRows([...before, ...more]));
  });

  it('stop a consumer started on offsets stored from another Kafka cluster, until an operator resets them', async () => {
    const t = await isolatedPipeline(cleanups, 2);
    const config = t.config();
    const first = await startTestConsumer(config);
    const before = events(100);
    await produceEvents(t.topic, before);
    await eventually('100 counted', async () => (await countedEvents(t.url)) === 100);
    await first.stop();
    const [identity] = await sql<{ ids: string[]; ok: boolean }>(
      t.url,
      `SELECT array_agg(DISTINCT kafka_cluster_id) AS ids, bool_and(last_record_offset = next_offset - 1) AS ok
         FROM consumer_offsets WHERE consumer_group = $1`,
      [t.group],
    );
    expect(identity?.ids).toHaveLength(1); // written with every next_offset
    expect(identity?.ok).toBe(true);
    const applied = await storedNext(t.url, t.group);
    // As if PostgreSQL had been shared with another Kafka (the launcher switching versions).
    await sql(t.url, "UPDATE consumer_offsets SET kafka_cluster_id = 'another-cluster' WHERE consumer_group = $1", [t.group]);

    const consumer = await startTestConsumer(config, { recheckStoppedMs: 200 });
    cleanups.push(() => consumer.stop());
    const after = events(50);
    await produceEvents(t.topic, after);
    await eventually('both partitions stopped', async () => {
      const { status, checks } = await readiness(consumer);
      return status === 503 && /\/0 stopped/.test(checks.log ?? '') && /\/1 stopped/.test(checks.log ?? '');
    });
    expect((await readiness(consumer)).checks.log).toMatch(
      /PostgreSQL's offsets came from Kafka cluster another-cluster; this is cluster \S+\); resolve: pnpm consumer:offsets/,
    );
    expect(await metricsOf(consumer)).toMatch(/tally_consumer_log_mismatches_total\{[^}]*reason="cluster"\} 1/);
    const flags = await sql<{ log_mismatch: string }>(
      t.url,
      'SELECT log_mismatch FROM consumer_offsets WHERE consumer_group = $1',
      [t.group],
    );
    expect(flags.map((f) => f.log_mismatch)).toEqual([expect.stringMatching(/^cluster: /), expect.stringMatching(/^cluster: /)]);
    expect(await countedEvents(t.url)).toBe(100);

    // The operator knows it is the same data after all: keep each partition where it was.
    for (const [partition, next] of applied) {
      const reset = await offsetsCli(config, 'reset', '--to', String(next), '--partition', String(partition));
      expect(reset).toMatchObject({
        code: 0,
        out: [`partition ${partition}: next_offset ${next} → ${next}`, expect.any(String)],
      });
    }
    await eventually('the 50 new events counted', async () => (await countedEvents(t.url)) === 150, 30_000);
    expect(await actualRows(t.url)).toEqual(expectedRows([...before, ...after]));
    await eventually('ready again', async () => (await readiness(consumer)).status === 200);
  });

  it('adopt rows stored before the log’s identity was kept, and give them one', async () => {
    const t = await isolatedPipeline(cleanups, 2);
    const config = t.config();
    const first = await startTestConsumer(config);
    const before = events(100);
    await produceEvents(t.topic, before);
    await eventually('100 counted', async () => (await countedEvents(t.url)) === 100);
    await first.stop();
    await sql(
      t.url,
      'UPDATE consumer_offsets SET kafka_cluster_id = NULL, last_record_offset = NULL, last_record_timestamp = NULL, last_record_hash = NULL',
    );

    const consumer = await startTestConsumer(config);
    cleanups.push(() => consumer.stop());
    const after = events(100);
    await produceEvents(t.topic, after);
    await eventually('200 counted', async () => (await countedEvents(t.url)) === 200);
    expect(await actualRows(t.url)).toEqual(expectedRows([...before, ...after]));
    expect((await readiness(consumer)).status).toBe(200);
    const [row] = await sql<{ n: string }>(
      t.url,
      'SELECT count(*) AS n FROM consumer_offsets WHERE kafka_cluster_id IS NOT NULL',
    );
    expect(row?.n).toBe('2');
  });
});

describe('pnpm consumer:offsets', () => {
  it('shows each partition’s next_offset, the log’s start and end, the lag and whether the log matches', async () => {
    const t = await isolatedPipeline(cleanups, 3);
    const config = t.config();
    // Partition 2 never gets an event; 0 and 1 get theirs, and more arrive once the consumer is gone.
    const consumer = await startTestConsumer(config);
    const partitionOf = (key: string) =>
      Partitioners.DefaultPartitioner()({
        topic: t.topic,
        partitionMetadata: [0, 1, 2].map((p) => ({ partitionId: p, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] })),
        message: { key, value: null },
      });
    const applied = events(60).filter((e) => partitionOf(e.user_id) !== 2);
    await produceEvents(t.topic, applied);
    await eventually('applied', async () => (await countedEvents(t.url)) === applied.length);
    await consumer.stop();
    await produceEvents(
      t.topic,
      events(20).filter((e) => partitionOf(e.user_id) !== 1),
    );

    const admin = testKafka.admin();
    await admin.connect();
    const ends = new Map((await admin.fetchTopicOffsets(t.topic)).map((o) => [o.partition, Number(o.high)]));
    const { clusterId } = await admin.describeCluster();
    await admin.disconnect();
    const stored = await storedNext(t.url, t.group);
    expect([...stored.keys()].sort()).toEqual([0, 1]);

    // As an operator runs it: a process, with the consumer's environment.
    const run = spawnSync(
      process.execPath,
      ['--conditions=development', join(import.meta.dirname, '../src/offsets-cli/main.ts'), 'show'],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          DATABASE_URL: t.url,
          REPORT_TOPIC: t.topic,
          DEAD_LETTER_TOPIC: t.deadLetterTopic,
          CONSUMER_GROUP: t.group,
        },
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`consumer group ${t.group}, topic ${t.topic}, Kafka cluster ${clusterId} (group empty, 0 members)`);
    expect(lines[1]).toMatch(/^partition +next_offset +log_start +log_end +lag +identity$/);
    for (const partition of [0, 1, 2]) {
      const next = stored.get(partition);
      const end = ends.get(partition) ?? 0;
      const cells = lines[2 + partition]?.split(/ {2,}/);
      expect(cells?.slice(0, 5)).toEqual(
        next === undefined
          ? [String(partition), '-', '0', String(end), String(end)]
          : [String(partition), String(next), '0', String(end), String(end - next)],
      );
      expect(cells?.[5]).toMatch(next === undefined ? /^not applied yet$/ : /^matches \(cluster, log end; record \d+ is checked/);
    }
    expect(lines).toHaveLength(5);
  });

  it('refuses a group or topic it holds no offsets for, and a reset of partitions a running consumer holds', async () => {
    const t = await isolatedPipeline(cleanups, 1);
    const config = t.config();
    const consumer = await startTestConsumer(config);
    cleanups.push(() => consumer.stop());
    await produceEvents(t.topic, events(10));
    await eventually('applied', async () => (await countedEvents(t.url)) === 10);

    const wrongGroup = await offsetsCli({ ...config, consumerGroup: 'no-such-group' }, 'show');
    expect(wrongGroup.code).toBe(2);
    expect(wrongGroup.err[0]).toMatch(
      new RegExp(
        `^no offsets in PostgreSQL for consumer group "no-such-group" on topic "${t.topic}": PostgreSQL holds offsets for \\(group/topic\\): ${t.group}/${t.topic}\\.`,
      ),
    );
    const wrongTopic = await offsetsCli({ ...config, reportTopic: 'no-such-topic' }, 'reset', '--to', 'latest');
    expect(wrongTopic.code).toBe(2);
    expect(wrongTopic.err[0]).toMatch(/on topic "no-such-topic", and Kafka has no topic "no-such-topic"/);

    const running = await offsetsCli(config, 'reset', '--to', 'latest');
    expect(running.code).toBe(2);
    expect(running.err[0]).toMatch(/reset refused: consumer group \S+ has 1 running member and partition 0 is not stopped/);
    const outside = await offsetsCli(config, 'reset', '--to', '99', '--partition', '3');
    expect(outside.err[0]).toMatch(/has no partition 3 \(it has 0\)/);
    expect(await storedNext(t.url, t.group)).toEqual(new Map([[0, 10]]));
  });
});
