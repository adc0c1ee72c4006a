import { randomUUID } from 'node:crypto';
import { DEFAULTS } from '@tally/config';
import { eventually } from '@tally/testkit';
import { type Consumer, Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecureBroker, startSecureBroker } from './secure-broker.ts';

// `infra:up --secure`: each check must fail closed, and each refusal is paired with the same
// principal succeeding at what it is allowed, so a broker that refuses everything cannot pass.
let broker: SecureBroker;
const { reportTopic: TOPIC, deadLetterTopic: DLQ, consumerGroup: GROUP } = DEFAULTS;

// NOTE: kafkajs reports a group refused by FindCoordinator (GROUP_AUTHORIZATION_FAILED) as
// KafkaJSGroupCoordinatorNotFound and drops the cause. So the coordinator is made to exist first (as
// admin): after that, "not found" for one principal while another joins the same group is a refusal.
const GROUP_REFUSED = /GROUP_AUTHORIZATION_FAILED|KafkaJSGroupCoordinatorNotFound/;

beforeAll(async () => {
  broker = await startSecureBroker();
  const admin = client(broker.as('admin'), 10).admin();
  await admin.connect();
  await eventually('the group coordinator', () =>
    admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }).then(
      () => true,
      () => undefined,
    ),
  );
  await admin.disconnect();
});
afterAll(async () => {
  await broker?.stop();
});

// Retries ride out the offsets topic being created on a group's first use; refusals are not retried.
function client(settings: Pick<KafkaConfig, 'ssl' | 'sasl'>, retries = 5): Kafka {
  return new Kafka({
    clientId: 'security-test',
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries, initialRetryTime: 200 },
    ...settings,
  });
}

async function connectError(kafka: Kafka): Promise<Error> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (error) {
    return error as Error;
  } finally {
    await admin.disconnect().catch(() => {});
  }
  throw new Error('connected, but should have been refused');
}

async function produce(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 1 },
  });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: 'u1', value: `probe-${randomUUID()}` }] });
  } finally {
    await producer.disconnect();
  }
}

/** The error's kafkajs type, and its causes' (kafkajs wraps an authorization error it met while retrying). */
function errorTypes(error: unknown): string {
  const types: string[] = [];
  for (let e = error as { type?: string; name?: string; originalError?: unknown; cause?: unknown } | undefined; e; ) {
    types.push(e.type ?? e.name ?? 'unknown');
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return types.join(' < ');
}

/** The types of the error a refused call throws ('' when it was not refused). */
async function refusal(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => '',
    (error: unknown) => errorTypes(error),
  );
}

/** Runs a consumer until it has a first message (resolves 'read') or crashes (resolves the error type). */
async function consumeOnce(kafka: Kafka, topic: string, groupId: string): Promise<string> {
  const consumer: Consumer = kafka.consumer({
    groupId,
    retry: { retries: 5, initialRetryTime: 200, restartOnFailure: async () => false },
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => resolve(errorTypes(payload.error)));
      const timer = setTimeout(() => reject(new Error('neither read nor refused in 60 s')), 60_000);
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async () => {
            clearTimeout(timer);
            resolve('read');
          },
        });
      })().catch((error: unknown) => resolve(errorTypes(error)));
    });
  } finally {
    await consumer.disconnect().catch(() => {});
  }
}

describe('infra:up --secure', () => {
  it('refuses a plaintext client on the TLS port', async () => {
    const error = await connectError(client({}, 0));
    expect(error.name).toMatch(/KafkaJS(Connection|NumberOfRetriesExceeded|Protocol|Broker)/);
  });

  it('refuses TLS without SASL, and a broker certificate from a CA the client does not trust', async () => {
    expect((await connectError(client({ ssl: { ca: [broker.caPem] } }, 0))).name).toMatch(/KafkaJS/);
    const untrusted = await connectError(client({ ...broker.as('tally-producer'), ssl: true }, 0));
    expect(untrusted.message).toMatch(/self[- ]signed|unable to verify|certificate/i);
  });

  it('refuses a wrong SASL password, and accepts the right one', async () => {
    const wrong = await connectError(client(broker.as('tally-producer', 'not-the-password'), 0));
    expect(wrong.name).toBe('KafkaJSSASLAuthenticationError');
    const admin = client(broker.as('tally-producer')).admin();
    await admin.connect();
    expect(await admin.listTopics()).toEqual([TOPIC]);
    await admin.disconnect();
  });

  it("lets the producer's principal write the report topic and nothing else", async () => {
    const kafka = client(broker.as('tally-producer'));
    await produce(kafka, TOPIC);
    expect(await refusal(produce(kafka, DLQ))).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
    expect(await consumeOnce(kafka, TOPIC, GROUP)).toMatch(GROUP_REFUSED);
    const admin = kafka.admin();
    await admin.connect();
    await expect(admin.createTopics({ topics: [{ topic: `other-${randomUUID()}` }] })).rejects.toThrow();
    await admin.disconnect();
  });

  it("lets the consumer's principal read the report topic in its group and write the dead-letter topic, nothing else", async () => {
    const kafka = client(broker.as('tally-consumer'));
    await produce(client(broker.as('tally-producer')), TOPIC);
    expect(await consumeOnce(kafka, TOPIC, GROUP)).toBe('read');
    await produce(kafka, DLQ);
    expect(await refusal(produce(kafka, TOPIC))).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
    expect(await consumeOnce(kafka, TOPIC, `other-${randomUUID()}`)).toMatch(GROUP_REFUSED);
    expect(await consumeOnce(kafka, DLQ, GROUP)).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
  });

  it('lets the reports principal see offsets, and not read or write events', async () => {
    const kafka = client(broker.as('tally-reports'));
    const admin = kafka.admin();
    await admin.connect();
    expect((await admin.fetchTopicOffsets(TOPIC)).length).toBeGreaterThan(0);
    await admin.disconnect();
    expect(await consumeOnce(kafka, TOPIC, GROUP)).toMatch(/AUTHORIZATION_FAILED/);
    expect(await refusal(produce(kafka, TOPIC))).toMatch(/CLUSTER_AUTHORIZATION_FAILED|TOPIC_AUTHORIZATION_FAILED/);
  });

  it('rotates an app password: the old one is refused, the env file carries the new one', async () => {
    const old = broker.password('tally-reports');
    await broker.rotate('tally-reports');
    const rotated = broker.appEnv('reports').KAFKA_SASL_PASSWORD ?? '';
    expect(rotated).not.toBe(old);
    expect(rotated).toBe(broker.password('tally-reports'));
    expect((await connectError(client(broker.as('tally-reports', old), 0))).name).toBe('KafkaJSSASLAuthenticationError');
    const admin = client(broker.as('tally-reports', rotated)).admin();
    await admin.connect();
    expect((await admin.fetchTopicOffsets(TOPIC)).length).toBeGreaterThan(0);
    await admin.disconnect();
  });
});
