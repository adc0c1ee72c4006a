import type { IHeaders, Producer } from 'kafkajs';
import type { PoisonRecord } from './decode-batch.ts';

/**
 * Writes poison records to the dead-letter topic with their original key, bytes and headers,
 * plus headers saying why and where from. Resolves only once Kafka acknowledged (acks=all), which
 * is before the offset moves past the records.
 */
export const DLQ_HEADERS = {
  reasonCode: 'tally-dlq-reason-code',
  reason: 'tally-dlq-reason',
  topic: 'tally-dlq-source-topic',
  partition: 'tally-dlq-source-partition',
  offset: 'tally-dlq-source-offset',
} as const;

export function createDeadLetterWriter(producer: Producer, deadLetterTopic: string) {
  return async (sourceTopic: string, partition: number, records: PoisonRecord[]): Promise<void> => {
    if (records.length === 0) return;
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
  };
}
