// Every record a topic holds now, read once from the start by a throwaway group: what the oracle reads the report
// topic (landed.ts) and the dead-letter topic (dead-letters.ts) with.
import { randomUUID } from 'node:crypto';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';

export async function readWholeTopic(brokers: string[], topic: string, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  const kafka = new Kafka({ clientId: 'faults-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; high: string }[];
  try {
    if (!(await admin.listTopics()).includes(topic)) return [];
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const total = ends.reduce((sum, p) => sum + Number(p.high), 0);
  if (total === 0) return [];
  const consumer = kafka.consumer({ groupId: `faults-reader-${randomUUID()}`, maxBytes: 64 * 1024 * 1024 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} of ${total} records of ${topic} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            messages.push(...batch.messages);
            if (messages.length >= total) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
