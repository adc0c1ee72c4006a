// Topics the apps and tests create: made when missing, and waited for until every partition has a leader.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

/** Creates the topic when missing; the replication factor is the cluster's default. */
export async function ensureTopic(kafka: Kafka, topic: string, partitions: number, log: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // NOTE: asking first keeps kafkajs from logging an error for "topic already exists".
    const exists = (await admin.listTopics()).includes(topic);
    const created = !exists && (await createTopicAndWait(admin, topic, partitions));
    const actual = await partitionCount(admin, topic);
    log.info({ event: created ? 'topic_created' : 'topic_found', topic, partitions: actual }, `topic ${topic}`);
    if (!created && actual !== partitions) {
      log.warn(
        { event: 'topic_partitions_differ', topic, partitions: actual, configured: partitions },
        'topic exists with another partition count',
      );
    }
  } finally {
    await admin.disconnect();
  }
}

/** TRICKY: right after creation, a broker other than the controller may not know the topic yet. */
async function partitionCount(admin: Admin, topic: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 0;
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(250);
    }
  }
}

/**
 * Creates a topic and waits until every partition has a leader. TRICKY: kafkajs's own
 * `waitForLeaders` retries only LEADER_NOT_AVAILABLE, but a KRaft broker that has not seen the new
 * topic yet answers UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition"),
 * which it throws; on a busy machine that happens. Here any metadata error is retried until the
 * deadline. Returns false when the topic existed already.
 */
export async function createTopicAndWait(admin: Admin, topic: string, partitions: number, timeoutMs = 30_000): Promise<boolean> {
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      const led = metadata?.partitions.filter((p) => p.leader >= 0).length ?? 0;
      if (led >= partitions || (!created && led > 0 && led === metadata?.partitions.length)) {
        // A leader in the metadata may not act as one yet (NOT_LEADER_OR_FOLLOWER on Kafka 3.9):
        // done when it answers for its offsets.
        await admin.fetchTopicOffsets(topic);
        return created;
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topic ${topic}: partitions without a leader after ${timeoutMs} ms`);
    await sleep(100);
  }
}
