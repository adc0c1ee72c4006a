// Ingest step 2's far end, the kafkajs side: one client (its producer is @tally/kafka's
// createReportProducer) and the send the batcher calls, acks=all, on the report topic.
import { createKafkaClient } from '@tally/kafka';
import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ProducerConfig } from '../config.ts';
import type { OutgoingRecord } from './batcher.ts';

export function createKafka(config: ProducerConfig, log: Logger): Kafka {
  return createKafkaClient({ clientId: 'tally-producer', brokers: config.kafkaBrokers, security: config.kafkaSecurity, log });
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
