import { CompressionTypes, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ProducerConfig } from './config.ts';

/**
 * The kafkajs side: one client, the report topic made sure of, and the idempotent producer.
 * kafkajs logs go through the app's JSON logger.
 */
export function createKafka(config: ProducerConfig, log: Logger): Kafka {
  const child = log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: 'tally-producer',
    brokers: config.kafkaBrokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        const method = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info';
        child[method]({ event: 'kafkajs_log', ...rest }, message);
      },
  });
}

/** Creates the topic when missing; the replication factor is the cluster's default. */
export async function ensureTopic(kafka: Kafka, topic: string, partitions: number, log: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const actual = metadata.topics[0]?.partitions.length ?? 0;
    log.info({ event: created ? 'topic_created' : 'topic_found', topic, partitions: actual }, `report topic ${topic}`);
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

/**
 * acks=all and idempotence: a retried batch is written once. NOTE: one request in flight, which
 * the batcher matches with one batch in flight, so retries cannot reorder sequence numbers.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The Java client's murmur2 partitioner (partitioner.test.ts holds it to the Java client's choices).
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

export function compressionOf(config: ProducerConfig): CompressionTypes {
  return config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
}
