// The Kafka side of the bridge: the client (its producer is @tally/kafka's createReportProducer,
// as apps/producer's), and the one send the forwarder calls, which resolves only once every
// in-sync replica has the batch (acks=all).
import { createKafkaClient } from '@tally/kafka';
import { CompressionTypes, type Kafka, type Producer, type TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { BridgeConfig } from './config.ts';

export function createKafka(config: BridgeConfig, log: Logger): Kafka {
  return createKafkaClient({ clientId: 'tally-amqp-bridge', brokers: config.kafkaBrokers, security: config.kafkaSecurity, log });
}

export function createSend(producer: Producer): (topicMessages: TopicMessages[]) => Promise<void> {
  return async (topicMessages) => {
    if (topicMessages.length === 0) return;
    await producer.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.GZIP });
  };
}
