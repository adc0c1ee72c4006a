// pnpm bench's AMQP bridge stage: the bridge app draining a pre-filled queue (RabbitMQ → read and
// validate → Kafka acks=all → ack back), against a consumer that only acks (RabbitMQ's own Java
// client, tools/bench/java/AckOnlyConsumer.java; PerfTest is not on Maven Central) on the same
// broker, the same kind of queue and messages, with the same prefetch. Both timed from their first
// ack to their last, so connecting and starting are left out.
// Alone: `pnpm --filter @tally/bench amqp-bridge [messages] [prefetch...]` measures once per prefetch.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULTS } from '@tally/config';
import { type InfraPaths, infraPaths, MAVEN_DEPENDENCY_PLUGIN } from '@tally/launcher';
import { type AppProcess, ROOT, runToEnd, startApp, stopApp } from '@tally/testkit';
import amqp from 'amqplib';
import { BROKERS, createTopics, deleteTopics, newName, REGISTRY_URL } from './scratch.ts';
import { perSecond, progress } from './stats.ts';

export const AMQP_URL = process.env.AMQP_URL || DEFAULTS.amqpUrl;
const ACTIONS = ['login', 'logout', 'job.finished', 'export'];

export interface AmqpResult {
  messagesPerSec: number;
  seconds: number;
}

/** The classpath of RabbitMQ's Java client, resolved from Maven Central once into .local/bench/amqp-client. */
export async function amqpClientClasspath(paths: InfraPaths): Promise<string> {
  const dir = join(paths.local, 'bench', 'amqp-client');
  const jars = () => (existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.jar')) : []);
  if (!jars().some((name) => name.startsWith('amqp-client-'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const pom = join(ROOT, 'infra', 'maven', 'amqp-client.pom.xml');
    const { code, stderr, stdout } = await runToEnd('mvn', [
      '-B',
      '-q',
      '-f',
      pom,
      `-DoutputDirectory=${dir}`,
      '-DincludeScope=runtime',
      `${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies`,
    ]);
    if (code !== 0) throw new Error(`mvn could not fetch amqp-client: ${(stdout + stderr).slice(-2000)}`);
  }
  return jars()
    .map((name) => join(dir, name))
    .join(':');
}

/** A queue as the publishers declare it (not durable), filled with `messages` bodies as pika's str(dict) prints them. */
export async function fillQueue(queue: string, messages: number): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: false, exclusive: false, autoDelete: false });
    for (let i = 0; i < messages; i++) {
      const minute = String(i % 60).padStart(2, '0');
      const body = `{'user_id': ${(i % 1_000) + 1}, 'action': '${ACTIONS[i % ACTIONS.length]}', 'timestamp': '2026-11-24 10:${minute}:00'}`;
      if (!channel.sendToQueue(queue, Buffer.from(body), { deliveryMode: 2 }))
        await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

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

/** The ack-only Java consumer on a filled queue. */
export async function measureAckOnly(options: {
  classpath: string;
  queue: string;
  messages: number;
  prefetch: number;
}): Promise<AmqpResult> {
  const source = join(ROOT, 'tools', 'bench', 'java', 'AckOnlyConsumer.java');
  const batch = Math.max(1, Math.floor(options.prefetch / 2));
  const { code, stdout, stderr } = await runToEnd('java', [
    '-Xmx256m',
    '-cp',
    options.classpath,
    source,
    AMQP_URL,
    options.queue,
    String(options.messages),
    String(options.prefetch),
    String(batch),
  ]);
  if (code !== 0) throw new Error(`AckOnlyConsumer exited with ${code}: ${stderr.slice(-2000)}`);
  const [count, seconds] = stdout.trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
  if (count === undefined || seconds === undefined) throw new Error(`unexpected AckOnlyConsumer output: ${stdout}`);
  return { messagesPerSec: count / seconds, seconds };
}

/** The bridge app (a process of its own) on a filled queue, to a fresh 12-partition topic. */
export async function measureBridge(options: { queue: string; messages: number; prefetch: number }): Promise<AmqpResult> {
  const topic = newName('bridge');
  const deadLetterTopic = `${topic}.dlq`;
  await createTopics([topic]);
  let bridge: AppProcess | undefined;
  try {
    bridge = await startApp('amqp-bridge', 'amqp-bridge', {
      KAFKA_BROKERS: BROKERS.join(','),
      SCHEMA_REGISTRY_URL: REGISTRY_URL,
      AMQP_URL,
      AMQP_QUEUE: options.queue,
      AMQP_PREFETCH: String(options.prefetch),
      REPORT_TOPIC: topic,
      DEAD_LETTER_TOPIC: deadLetterTopic,
    });
    const port = bridge.port;
    const acked = async () => {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      return text
        .split('\n')
        .filter((line) => line.startsWith('tally_bridge_messages_total{'))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    };
    let first: { at: number; acked: number } | undefined;
    const deadline = Date.now() + 600_000;
    for (;;) {
      if (bridge.child.exitCode !== null) throw new Error(`the bridge exited with ${bridge.child.exitCode}`);
      const now = performance.now();
      const n = await acked();
      if (n > 0 && first === undefined) first = { at: now, acked: n };
      if (n >= options.messages && first !== undefined) {
        const seconds = (now - first.at) / 1_000;
        return { messagesPerSec: (n - first.acked) / seconds, seconds };
      }
      if (Date.now() > deadline) throw new Error(`the bridge acked ${n} of ${options.messages} messages in 10 minutes`);
      // NOTE: not more often: serving /metrics costs the bridge CPU (a 20 ms poll took 6% of it).
      await sleep(100);
    }
  } finally {
    if (bridge) await stopApp(bridge);
    await deleteTopics([topic, deadLetterTopic]);
  }
}

/** One run of both, each on a queue of its own filled alike. */
export async function measureAmqpStage(options: { classpath: string; messages: number; prefetch: number }) {
  const queues = [newName('bench-amqp-ack-only'), newName('bench-amqp-bridge')];
  try {
    await fillQueue(queues[0] as string, options.messages);
    const ackOnly = await measureAckOnly({ ...options, queue: queues[0] as string });
    await fillQueue(queues[1] as string, options.messages);
    const bridge = await measureBridge({ ...options, queue: queues[1] as string });
    return { ackOnly, bridge };
  } finally {
    for (const queue of queues) await deleteQueue(queue);
  }
}

if (import.meta.main) {
  const [messagesArg, ...prefetchArgs] = process.argv.slice(2);
  const messages = Number(messagesArg ?? 50_000);
  const classpath = await amqpClientClasspath(infraPaths());
  for (const prefetch of (prefetchArgs.length > 0 ? prefetchArgs : ['500']).map(Number)) {
    const { ackOnly, bridge } = await measureAmqpStage({ classpath, messages, prefetch });
    progress(
      `prefetch ${prefetch}, ${messages.toLocaleString('en')} messages: ack-only ${perSecond(ackOnly.messagesPerSec)}, bridge ${perSecond(bridge.messagesPerSec)} (${(bridge.messagesPerSec / ackOnly.messagesPerSec).toFixed(2)}×)`,
    );
  }
}
