// Writes poison records to the dead-letter topic with their original key, bytes and headers,
// plus headers saying why and where from. Resolves, with the records, only once Kafka acknowledged
// them (acks=all), which is before the offset moves past them.
import { type IHeaders, type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { PoisonRecord } from './decode-batch.ts';

export const DLQ_HEADERS = {
  reasonCode: 'tally-dlq-reason-code',
  reason: 'tally-dlq-reason',
  topic: 'tally-dlq-source-topic',
  partition: 'tally-dlq-source-partition',
  offset: 'tally-dlq-source-offset',
} as const;

export type DeadLetterWriter = (sourceTopic: string, partition: number, records: PoisonRecord[]) => Promise<PoisonRecord[]>;

/** The producer the writer sends with (not connected yet): idempotent, one request in flight. */
export function createDeadLetterProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

export function createDeadLetterWriter(producer: Producer, deadLetterTopic: string): DeadLetterWriter {
  return async (sourceTopic, partition, records) => {
    if (records.length === 0) return records;
    await producer.send({
      topic: deadLetterTopic,
      acks: -1,
      messages: records.map((record) => {
        const headers: IHeaders = {
          ...record.message.headers,
          [DLQ_HEADERS.reasonCode]: record.code,
          [DLQ_HEADERS.reason]: record.reason,
          [DLQ_HEADERS.topic]: sourceTopic,
          [DLQ_HEADERS.partition]: String(partition),
          [DLQ_HEADERS.offset]: String(record.offset),
        };
        return { key: record.message.key, value: record.message.value, headers };
      }),
    });
    return records;
  };
}
