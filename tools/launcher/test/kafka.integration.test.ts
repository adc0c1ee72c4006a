import { randomUUID } from 'node:crypto';
import { createTopicAndWait } from '@tally/kafka';
import { eventually, KAFKA_BROKERS } from '@tally/testkit';
import { type Admin, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('the local Kafka broker', () => {
  const kafka = new Kafka({ clientId: 'infra-test', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const topic = `infra-test-${randomUUID()}`;
  let admin: Admin;

  // TRICKY: with several brokers, metadata reaches each broker a moment after the topic exists.
  const topicMetadata = () =>
    eventually('topic metadata on every broker', async () => {
      try {
        return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0];
      } catch {
        return undefined;
      }
    });

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a topic with the partitions asked for', async () => {
    expect(await createTopicAndWait(admin, topic, 3)).toBe(true);
    const metadata = await topicMetadata();
    expect(metadata?.partitions).toHaveLength(3);
  });

  it('replicates new topics to every broker, up to three, with a quorum of two when it can', async () => {
    const { brokers } = await admin.describeCluster();
    const metadata = await topicMetadata();
    for (const partition of metadata?.partitions ?? []) expect(partition.replicas).toHaveLength(Math.min(brokers.length, 3));
    const [broker] = brokers;
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(broker?.nodeId), configNames: ['min.insync.replicas'] }],
    });
    expect(resources[0]?.configEntries[0]?.configValue).toBe(brokers.length >= 3 ? '2' : '1');
  });

  it('does not create topics on first use', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
    await producer.connect();
    try {
      await expect(producer.send({ topic: `infra-test-missing-${randomUUID()}`, messages: [{ value: 'x' }] })).rejects.toThrow();
    } finally {
      await producer.disconnect();
    }
  });

  it('gives back to a consumer group the records an idempotent producer wrote', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `user-${i % 4}`, value: `event-${i}-${randomUUID()}` }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `infra-test-${randomUUID()}` });
    const received: { key: string; value: string; partition: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({ key: String(message.key), value: String(message.value), partition });
      },
    });
    try {
      await eventually('all records consumed', async () => (received.length >= sent.length ? true : undefined));
    } finally {
      await consumer.disconnect();
    }
    expect(received.map((r) => r.value).sort()).toEqual(sent.map((s) => s.value).sort());
    // One key, one partition: the order guarantee everything downstream relies on.
    for (const key of new Set(sent.map((s) => s.key))) {
      expect(new Set(received.filter((r) => r.key === key).map((r) => r.partition)).size).toBe(1);
    }
  });
});
