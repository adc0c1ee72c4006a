// Tally's producer path without HTTP: generate report events, Avro-encode them in Confluent wire format, and send
// them with the producer app's kafkajs settings (idempotent, acks=all, one request in flight, Java-compatible
// murmur2 keyed by user_id, batches of at most 1 MB). Also fills the topic the consumer stages read.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createReportCodec } from '@tally/schemas/codec';
import { createEventSource } from '@tally/testkit';
import { CompressionTypes, type Message, Partitioners } from 'kafkajs';
import { benchKafka, REGISTRY_URL } from './scratch.ts';

export interface ProduceResult {
  recordsPerSec: number;
  mbPerSec: number;
  meanRecordBytes: number;
}

const BATCH_MAX_BYTES = 1_000_000;

export async function produceReportEvents(options: { topic: string; records: number; seed: number }): Promise<ProduceResult> {
  const codec = createReportCodec({ registry: new SchemaRegistry({ host: REGISTRY_URL }), topic: options.topic });
  const encode = await codec.encoder();
  const next = createEventSource({
    users: 1_000,
    skew: 0,
    actions: ['login', 'logout', 'page.view', 'job.finished', 'purchase'],
    seed: options.seed,
  });
  const producer = benchKafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  let bytes = 0;
  try {
    const started = performance.now();
    let sent = 0;
    while (sent < options.records) {
      const messages: Message[] = [];
      let batchBytes = 0;
      const now = Date.now();
      while (sent < options.records && batchBytes < BATCH_MAX_BYTES) {
        const event = next(now);
        const value = encode({
          ...event,
          received_at: now,
          value: event.value ?? null,
          attributes: event.attributes ?? {},
          session_id: null,
        });
        messages.push({ key: event.user_id, value });
        batchBytes += value.length;
        sent += 1;
      }
      bytes += batchBytes;
      await producer.sendBatch({
        topicMessages: [{ topic: options.topic, messages }],
        acks: -1,
        compression: CompressionTypes.None,
      });
    }
    const seconds = (performance.now() - started) / 1_000;
    return {
      recordsPerSec: options.records / seconds,
      mbPerSec: bytes / 2 ** 20 / seconds,
      meanRecordBytes: bytes / options.records,
    };
  } finally {
    await producer.disconnect();
  }
}
