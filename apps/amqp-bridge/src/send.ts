// The Kafka side of the bridge: the idempotent producer (acks=all, the Java client's murmur2
// partitioner, records keyed by user_id as apps/producer writes them), and the one send the
// forwarder calls, which resolves only once every in-sync replica has the batch.
import { createKafkaClient } from '@tally/kafka';
import { CompressionTypes, type Kafka, Partitioners, type Producer, type TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { BridgeConfig } from './config.ts';

export function createKafka(config: BridgeConfig, log: Logger): Kafka {
  return createKafkaClient({ clientId: 'tally-amqp-bridge', brokers: config.kafkaBrokers, security: config.kafkaSecurity, log });
}

/**
 * Idempotent, one request in flight (the forwarder keeps one batch in flight), retrying for ever
 * but soon, as the producer app does: a batch waits out a Kafka outage instead of failing.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

export function createSend(producer: Producer): (topicMessages: TopicMessages[]) => Promise<void> {
  return async (topicMessages) => {
    if (topicMessages.length === 0) return;
    await producer.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.GZIP });
  };
}
