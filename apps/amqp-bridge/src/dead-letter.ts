// A message that carries no valid events, as a record for the dead-letter topic: its original body
// and AMQP properties, and why, as headers. NOTE: the reason headers are named as the consumer's
// (apps/consumer/src/dead-letter.ts), so one reader of the topic reads both.
import type { MessageProperties } from 'amqplib';

export const DLQ_HEADERS = {
  reasonCode: 'tally-dlq-reason-code',
  reason: 'tally-dlq-reason',
  /** `amqp`: the record came from the bridge, not from the report topic. */
  source: 'tally-dlq-source',
  queue: 'tally-dlq-source-queue',
  /** Set when the body was cut to DEAD_LETTER_BODY_BYTES: its whole length in bytes. */
  truncated: 'tally-dlq-body-truncated-from',
} as const;

/** Bodies are kept whole up to this; past it the record would risk Kafka's 1 MB message limit. */
export const DEAD_LETTER_BODY_BYTES = 512 * 1_024;

export interface DeadLetterRecord {
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

export interface DeadLetterSource {
  queue: string;
  content: Buffer;
  properties: MessageProperties;
  fields: { redelivered: boolean; exchange: string; routingKey: string };
}

export function deadLetterRecord(source: DeadLetterSource, code: string, reason: string): DeadLetterRecord {
  const { content, properties, fields } = source;
  const headers: Record<string, string> = {
    [DLQ_HEADERS.reasonCode]: code,
    [DLQ_HEADERS.reason]: reason,
    [DLQ_HEADERS.source]: 'amqp',
    [DLQ_HEADERS.queue]: source.queue,
    'amqp-exchange': fields.exchange,
    'amqp-routing-key': fields.routingKey,
    'amqp-redelivered': String(fields.redelivered),
  };
  const property = (name: string, value: unknown) => {
    if (value === undefined || value === null) return;
    headers[`amqp-${name}`] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  };
  property('message-id', properties.messageId);
  property('app-id', properties.appId);
  property('timestamp', properties.timestamp);
  property('content-type', properties.contentType);
  property('content-encoding', properties.contentEncoding);
  property('delivery-mode', properties.deliveryMode);
  property('correlation-id', properties.correlationId);
  property('type', properties.type);
  property('user-id', properties.userId);
  if (properties.headers && Object.keys(properties.headers).length > 0) property('headers', properties.headers);
  let value = content;
  if (content.length > DEAD_LETTER_BODY_BYTES) {
    value = content.subarray(0, DEAD_LETTER_BODY_BYTES);
    headers[DLQ_HEADERS.truncated] = String(content.length);
  }
  return { key: typeof properties.messageId === 'string' ? properties.messageId : null, value, headers };
}
