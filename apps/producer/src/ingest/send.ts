// Ingest step 2's far end, the kafkajs side: one client, the idempotent producer with the Java
// client's murmur2 partitioner, and the send the batcher calls, acks=all, on the report topic.
import { createKafkaClient } from '@tally/kafka';
import { CompressionTypes, type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ProducerConfig } from '../config.ts';
import type { OutgoingRecord } from './batcher.ts';

export function createKafka(config: ProducerConfig, log: Logger): Kafka {
  return createKafkaClient({ clientId: 'tally-producer', brokers: config.kafkaBrokers, security: config.kafkaSecurity, log });
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
    // NOTE: retry for ever (idempotence needs it) but soon: when a leader dies, the next attempt
    // should find the new one within a second or two, not after kafkajs's 30 s backoff ceiling.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** One batch to the report topic, resolved once every in-sync replica has it (acks=all). */
export function createSend(
  producer: Producer,
  config: Pick<ProducerConfig, 'reportTopic' | 'compression'>,
): (records: OutgoingRecord[]) => Promise<void> {
  const compression = config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  return async (records) => {
    await producer.sendBatch({ topicMessages: [{ topic: config.reportTopic, messages: records }], acks: -1, compression });
  };
}
