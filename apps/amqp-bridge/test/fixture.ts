// The bridge's integration tests: the real pika publisher (publisher.py), a queue, topics, a database
// and a consumer of each test's own, the bridge in-process or as a process, and a ledger of what
// was published. Everything generic comes from @tally/testkit.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULTS } from '@tally/config';
import {
  type AppProcess,
  appliedRecords,
  createDatabase,
  createTopic,
  deleteTopics,
  eventually,
  expectedRows,
  ROOT,
  startApp,
  stopApp,
  testKafka,
  uniqueNames,
  waitReady,
} from '@tally/testkit';
import amqp from 'amqplib';
import type { IHeaders } from 'kafkajs';
import pino from 'pino';
import { type RunningBridge, startBridge } from '../src/bridge-app.ts';
import { type BridgeConfig, loadConfig } from '../src/config.ts';

const run = promisify(execFile);
export const AMQP_URL = process.env.AMQP_URL || DEFAULTS.amqpUrl;
const PYTHON = '/usr/bin/python3';

export type Cleanup = () => Promise<void>;

/** Debian's python3-pika for /usr/bin/python3, installed when missing (infra/setup-pika.sh). */
export async function ensurePika(): Promise<void> {
  await run('bash', [join(ROOT, 'infra', 'setup-pika.sh')]);
}

/** One message for publisher.py: str(data) by default, or a body given as it is. */
export type Publish =
  | { data: unknown; message_id?: string | null }
  | { raw: string; message_id?: string | null }
  | { raw_hex: string; message_id?: string | null };

/** Publishes with the real pika publisher (a default queue_declare first); resolves with the count it published. */
export async function publish(queue: string, items: Publish[], url = AMQP_URL): Promise<number> {
  const child = spawn(PYTHON, [join(import.meta.dirname, 'publisher.py'), queue, url], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stdin.end(`${items.map((item) => JSON.stringify(item)).join('\n')}\n`);
  const code = await exited;
  if (code !== 0) throw new Error(`publisher.py exited with ${code}: ${err}`);
  return Number(out.trim());
}

export const uniqueQueue = (prefix = 'tally-bridge-test') => `${prefix}-${randomUUID()}`;

export async function deleteQueue(queue: string): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    await channel.deleteQueue(queue).catch(() => undefined);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export interface QueueCounts {
  ready: number;
  unacked: number;
  consumers: number;
  durable: boolean;
}

/** What RabbitMQ holds for a queue, unacked deliveries included (rabbitmqctl: AMQP itself does not tell). */
export async function queueCounts(queue: string): Promise<QueueCounts | undefined> {
  const { stdout } = await run('rabbitmqctl', [
    'list_queues',
    '--quiet',
    '--no-table-headers',
    'name',
    'messages_ready',
    'messages_unacknowledged',
    'consumers',
    'durable',
  ]);
  const row = stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .find(([name]) => name === queue);
  if (!row) return undefined;
  const [, ready, unacked, consumers, durable] = row;
  return { ready: Number(ready), unacked: Number(unacked), consumers: Number(consumers), durable: durable === 'true' };
}

/** A message in the shape of the publisher: `{'user_id': 1, 'action': 'login', 'timestamp': '…'}`. */
export interface LegacyEvent {
  user_id: number;
  action: string;
  timestamp: string;
  value?: number;
}

const BASE = Date.UTC(2026, 10, 24, 10, 0, 0);
const ACTIONS = ['login', 'logout', 'job.finished', 'export'];

/** The i-th event of a seeded stream: 40 users, 4 actions, 3 minutes, every third with a whole value. */
export function legacyEvent(i: number, seed = 0): LegacyEvent {
  const n = i * 7919 + seed * 104_729;
  const at = new Date(BASE + (n % 180) * 1_000);
  const event: LegacyEvent = {
    user_id: (n % 40) + 1,
    action: ACTIONS[n % ACTIONS.length] as string,
    timestamp: at.toISOString().slice(0, 19).replace('T', ' '),
  };
  if (i % 3 === 0) event.value = (n % 500) + 1;
  return event;
}

/** What aggregates_minute must hold for these events (timestamps are UTC, as the producer reads them). */
export function ledgerRows(events: LegacyEvent[]) {
  return expectedRows(
    events.map((e) => ({
      occurred_at: Date.parse(`${e.timestamp.replace(' ', 'T')}Z`),
      user_id: String(e.user_id),
      action: e.action,
      value: e.value ?? null,
    })),
  );
}

export function configFor(overrides: Record<string, string>): BridgeConfig {
  return loadConfig({ ...process.env, REPORT_TOPIC_PARTITIONS: '3', ...overrides });
}

export function startTestBridge(config: BridgeConfig): Promise<RunningBridge> {
  return startBridge(config, pino({ level: 'silent' }), { defaultMetrics: false });
}

/**
 * A queue, report topic, dead-letter topic, database and group of the test's own, and a consumer
 * process counting the topic into the database; `cleanups` gets what removes them.
 */
export async function isolatedPipeline(cleanups: Cleanup[], env: Record<string, string> = {}) {
  const db = await createDatabase('tally_bridge_test');
  const names = uniqueNames('bridge-test');
  const queue = uniqueQueue();
  await createTopic(names.topic, 3);
  cleanups.push(
    db.drop,
    () => deleteTopics([names.topic, names.deadLetterTopic]),
    () => deleteQueue(queue),
  );
  const pipelineEnv = {
    DATABASE_URL: db.url,
    REPORT_TOPIC: names.topic,
    DEAD_LETTER_TOPIC: names.deadLetterTopic,
    CONSUMER_GROUP: names.group,
    CONSUMER_SESSION_TIMEOUT_MS: '10000',
    ...env,
  };
  const consumer = await startApp('consumer', 'consumer', pipelineEnv);
  cleanups.push(() => stopApp(consumer).then(() => undefined));
  await waitReady(consumer, 120_000);
  return {
    ...names,
    queue,
    url: db.url,
    consumer,
    /** The bridge's environment for this pipeline. */
    bridgeEnv: (extra: Record<string, string> = {}) => ({
      ...pipelineEnv,
      AMQP_QUEUE: queue,
      REPORT_TOPIC_PARTITIONS: '3',
      ...extra,
    }),
  };
}

/** The bridge as a process of its own (for kill -9). */
export async function startBridgeProcess(cleanups: Cleanup[], env: Record<string, string>, name = 'bridge'): Promise<AppProcess> {
  const bridge = await startApp('amqp-bridge', name, env);
  cleanups.push(() => stopApp(bridge, 'SIGKILL').then(() => undefined));
  await waitReady(bridge, 120_000);
  return bridge;
}

/** A counter of a process's /metrics, summed over the label sets that match `labels` (e.g. `ids="new"`). */
export async function metricValue(port: number, name: string, labels = ''): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{') && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

export interface DeadLetter {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** The first `count` records of a dead-letter topic, read from its start. */
export async function readDeadLetters(topic: string, count: number): Promise<DeadLetter[]> {
  const consumer = testKafka.consumer({ groupId: `bridge-test-dlq-${randomUUID()}` });
  const found: DeadLetter[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        found.push({
          key: message.key?.toString() ?? null,
          value: message.value ?? Buffer.alloc(0),
          headers: textHeaders(message.headers),
        });
      },
    });
    await eventually(`${count} dead letters on ${topic}`, async () => found.length >= count, 60_000);
  } finally {
    await consumer.disconnect();
  }
  return found;
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([key, value]) => [key, String(value)]));
}

/** Every record on the report topic applied by the consumer (PostgreSQL's offsets reached the topic's end). */
export async function consumerCaughtUp(t: { topic: string; url: string; group: string }): Promise<boolean> {
  const admin = testKafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(t.topic);
    const total = ends.reduce((sum, p) => sum + Number(p.high), 0);
    return total > 0 && (await appliedRecords(t.url, t.group)) === total;
  } finally {
    await admin.disconnect();
  }
}
