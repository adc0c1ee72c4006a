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
    const created =
      !exists && (await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true }));
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
