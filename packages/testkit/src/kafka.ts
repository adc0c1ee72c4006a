// Kafka for tests: a client on the test brokers, topics of a test's own, and events produced the
// way the producer writes them (Avro in Confluent wire format, keyed by user_id).
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createTopicAndWait } from '@tally/kafka';
import type { ReportEvent } from '@tally/schemas';
import { createReportCodec } from '@tally/schemas/codec';
import { Kafka, logLevel, type Message, Partitioners } from 'kafkajs';
import { KAFKA_BROKERS, SCHEMA_REGISTRY_URL } from './env.ts';

export const testKafka = new Kafka({ clientId: 'tally-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
export const testRegistry = new SchemaRegistry({ host: SCHEMA_REGISTRY_URL });

/** A report topic, its dead-letter topic and a group, named for this test alone. */
export function uniqueNames(prefix = 'tally-test') {
  const id = randomUUID();
  return { topic: `${prefix}-${id}`, deadLetterTopic: `${prefix}-${id}.dlq`, group: `${prefix}-${id}` };
}

export async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = testKafka.admin();
  await admin.connect();
  try {
    await createTopicAndWait(admin, topic, partitions);
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(topics: string[]): Promise<void> {
  const admin = testKafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

/** The topic's high watermark per partition: the records it holds, retention aside. */
export async function highWatermarks(topic: string): Promise<Map<number, number>> {
  const admin = testKafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Records on the topic: the sum of its partitions' high watermarks. */
export async function recordsOn(topic: string): Promise<number> {
  return [...(await highWatermarks(topic)).values()].reduce((sum, high) => sum + high, 0);
}

export async function produceRaw(topic: string, messages: Message[]): Promise<void> {
  const producer = testKafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Produces events as the producer does. */
export async function produceEvents(topic: string, events: ReportEvent[]): Promise<void> {
  const encode = await createReportCodec({ registry: testRegistry, topic }).encoder();
  await produceRaw(
    topic,
    events.map((e) => ({ key: e.user_id, value: encode(e) })),
  );
}
