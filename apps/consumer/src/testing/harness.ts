// Helpers for the consumer's integration tests: a database, topic and group of each test's own,
// events produced the way the producer writes them, and polling with a deadline.
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createTopicAndWait } from '@tally/kafka';
import type { ReportEvent } from '@tally/schemas';
import { createReportCodec } from '@tally/schemas/codec';
import { Kafka, logLevel, type Message, Partitioners } from 'kafkajs';
import pg from 'pg';
import pino from 'pino';
import { type ConsumerConfig, loadConfig } from '../config.ts';
import { type RunningConsumer, startConsumer } from '../consumer-app.ts';
import { maintainDedupPartitions, migrate } from '../db.ts';

export const baseConfig = loadConfig(process.env);
export const kafka = new Kafka({ clientId: 'consumer-test', brokers: baseConfig.kafkaBrokers, logLevel: logLevel.NOTHING });
export const registry = new SchemaRegistry({ host: baseConfig.schemaRegistryUrl });

export function serverUrl(database: string): string {
  const url = new URL(baseConfig.databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A database of the test's own, dropped by `drop()`. */
export async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tally_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: serverUrl('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: serverUrl(name),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl('postgres') });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A migrated database of the test's own with today's dedupe partitions, and a pool on it. */
export async function migratedDatabase(): Promise<{ url: string; pool: pg.Pool; drop: () => Promise<void> }> {
  const db = await createDatabase();
  await migrate(db.url, pino({ level: 'silent' }));
  const pool = new pg.Pool({ connectionString: db.url });
  await maintainDedupPartitions(pool, 8);
  return {
    url: db.url,
    pool,
    drop: async () => {
      await pool.end();
      await db.drop();
    },
  };
}

/** A topic and group of the test's own (and a dead-letter topic beside it). */
export function names() {
  const id = randomUUID();
  return { topic: `consumer-test-${id}`, deadLetterTopic: `consumer-test-${id}.dlq`, group: `consumer-test-${id}` };
}

export function configFor(
  overrides: { url: string; topic: string; deadLetterTopic: string; group: string } & Record<string, string>,
): ConsumerConfig {
  const { url, topic, deadLetterTopic, group, ...rest } = overrides;
  return loadConfig({
    ...process.env,
    DATABASE_URL: url,
    REPORT_TOPIC: topic,
    DEAD_LETTER_TOPIC: deadLetterTopic,
    CONSUMER_GROUP: group,
    CONSUMER_SESSION_TIMEOUT_MS: '10000',
    ...rest,
  });
}

export function startTestConsumer(config: ConsumerConfig): Promise<RunningConsumer> {
  return startConsumer(config, pino({ level: 'silent' }), { defaultMetrics: false });
}

let eventCounter = 0;
export function event(overrides: Partial<ReportEvent> = {}): ReportEvent {
  eventCounter += 1;
  return {
    event_id: randomUUID(),
    user_id: `u${eventCounter % 5}`,
    action: 'login',
    occurred_at: Date.UTC(2026, 10, 24, 10, 0, 0) + (eventCounter % 120) * 1_000,
    received_at: Date.UTC(2026, 10, 24, 10, 5, 0),
    source: null,
    value: eventCounter % 2 === 0 ? eventCounter : null,
    attributes: {},
    session_id: null,
    ...overrides,
  };
}

/** Produces events as the producer does: Avro in Confluent wire format, keyed by user_id. */
export async function produce(topic: string, events: ReportEvent[]): Promise<void> {
  const codec = createReportCodec({ registry, topic });
  const encode = await codec.encoder();
  await produceRaw(
    topic,
    events.map((e) => ({ key: e.user_id, value: encode(e) })),
  );
}

export async function produceRaw(topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

export async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await createTopicAndWait(admin, topic, partitions);
  await admin.disconnect();
}

export async function deleteTopics(topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

export async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function countedEvents(url: string): Promise<number> {
  const [row] = await query<{ n: string | null }>(url, 'SELECT sum(event_count) AS n FROM aggregates_minute').catch(() => [
    { n: null },
  ]);
  return Number(row?.n ?? 0);
}

/** Total records PostgreSQL says were applied (all partitions of the group). */
export async function appliedRecords(url: string, group: string): Promise<number> {
  const [row] = await query<{ n: string | null }>(
    url,
    'SELECT sum(next_offset) AS n FROM consumer_offsets WHERE consumer_group = $1',
    [group],
  ).catch(() => [{ n: null }]);
  return Number(row?.n ?? 0);
}

export async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What aggregates_minute should hold for `events`, computed independently of the consumer. */
export function expectedRows(events: ReportEvent[]) {
  const rows = new Map<
    string,
    {
      bucket_start: string;
      user_id: string;
      action: string;
      event_count: number;
      value_sum: number | null;
      value_min: number | null;
      value_max: number | null;
    }
  >();
  for (const e of events) {
    const bucket = new Date(e.occurred_at - (e.occurred_at % 60_000)).toISOString();
    const key = `${bucket}|${e.user_id}|${e.action}`;
    const row = rows.get(key) ?? {
      bucket_start: bucket,
      user_id: e.user_id,
      action: e.action,
      event_count: 0,
      value_sum: null,
      value_min: null,
      value_max: null,
    };
    row.event_count += 1;
    if (e.value !== null) {
      row.value_sum = (row.value_sum ?? 0) + e.value;
      row.value_min = row.value_min === null ? e.value : Math.min(row.value_min, e.value);
      row.value_max = row.value_max === null ? e.value : Math.max(row.value_max, e.value);
    }
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) =>
    `${a.bucket_start}|${a.user_id}|${a.action}`.localeCompare(`${b.bucket_start}|${b.user_id}|${b.action}`),
  );
}

export async function actualRows(url: string) {
  const rows = await query<{
    bucket_start: Date;
    user_id: string;
    action: string;
    event_count: string;
    value_sum: number | null;
    value_min: number | null;
    value_max: number | null;
  }>(url, 'SELECT bucket_start, user_id, action, event_count, value_sum, value_min, value_max FROM aggregates_minute');
  return rows
    .map((r) => ({ ...r, bucket_start: r.bucket_start.toISOString(), event_count: Number(r.event_count) }))
    .sort((a, b) => `${a.bucket_start}|${a.user_id}|${a.action}`.localeCompare(`${b.bucket_start}|${b.user_id}|${b.action}`));
}

export type Cleanup = () => Promise<void>;

/**
 * A database, report topic, dead-letter topic and group of the test's own; `cleanups` gets what
 * removes them.
 */
export async function isolatedPipeline(cleanups: Cleanup[], partitions = 3) {
  const db = await createDatabase();
  const n = names();
  await createTopic(n.topic, partitions);
  cleanups.push(db.drop, () => deleteTopics([n.topic, n.deadLetterTopic]));
  return { ...n, url: db.url, config: (extra: Record<string, string> = {}) => configFor({ url: db.url, ...n, ...extra }) };
}
