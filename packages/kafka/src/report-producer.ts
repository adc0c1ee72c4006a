// The producer every writer of the report topic uses (apps/producer, apps/amqp-bridge): records
// keyed by user_id land on the partition the Java client would pick, and a retried batch is
// written once.
import { type Kafka, Partitioners, type Producer } from 'kafkajs';

/**
 * acks=all is the caller's (each send sets `acks: -1`); this is idempotence and ordering. NOTE: one
 * request in flight, which each writer matches with one batch in flight, so retries cannot reorder
 * sequence numbers.
 */
export function createReportProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The Java client's murmur2 partitioner (apps/producer's partitioner.test.ts holds it to the Java client's choices).
    createPartitioner: Partitioners.DefaultPartitioner,
    // NOTE: retry for ever (idempotence needs it) but soon: when a leader dies, the next attempt
    // should find the new one within a second or two, not after kafkajs's 30 s backoff ceiling; a
    // batch waits out a Kafka outage instead of failing.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}
