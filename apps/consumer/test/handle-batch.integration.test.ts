// The batch handler, called directly with a batch of kafkajs's shape and the real PostgreSQL: what
// it sends to the dead-letter topic and what it commits to Kafka, for batches PostgreSQL already
// applied (a redelivery: Kafka's offsets trailed, or a partition changed hands mid-batch).
import { randomUUID } from 'node:crypto';
import type { ReportCodec } from '@tally/schemas/codec';
import { migratedDatabase } from '@tally/testkit';
import type { EachBatchPayload, KafkaMessage, OffsetsByTopicPartition } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatch } from '../src/apply/apply-batch.ts';
import type { PoisonRecord } from '../src/decode-batch.ts';
import { createBatchHandler } from '../src/handle-batch.ts';
import { createMetrics } from '../src/metrics.ts';

let db: Awaited<ReturnType<typeof migratedDatabase>>;
beforeAll(async () => {
  db = await migratedDatabase();
});
afterAll(() => db.drop());

/** Every record is poison: not wire format. */
const poisonCodec = {
  decode: async () => ({ ok: false, error: { code: 'NOT_WIRE_FORMAT', message: 'not wire format' } }),
} as unknown as ReportCodec;

function message(offset: number): KafkaMessage {
  return { offset: String(offset), key: Buffer.from('p'), value: Buffer.from('x'), timestamp: '0', attributes: 0, headers: {} };
}

function poisonAt(offset: number): PoisonRecord {
  return { offset: BigInt(offset), message: message(offset), code: 'NOT_WIRE_FORMAT', reason: 'not wire format' };
}

/** A kafkajs batch payload for offsets `from..to` of partition 0, recording what the handler does. */
function payloadFor(topic: string, from: number, to: number) {
  const messages = Array.from({ length: to - from + 1 }, (_, i) => message(from + i));
  const commits: (OffsetsByTopicPartition | undefined)[] = [];
  const resolved: string[] = [];
  const payload = {
    batch: {
      topic,
      partition: 0,
      highWatermark: String(to + 1),
      messages,
      isEmpty: () => messages.length === 0,
      firstOffset: () => String(from),
      lastOffset: () => String(to),
    },
    resolveOffset: (offset: string) => resolved.push(offset),
    commitOffsetsIfNecessary: async (offsets?: OffsetsByTopicPartition) => {
      commits.push(offsets);
    },
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
    pause: () => () => undefined,
  } as unknown as EachBatchPayload;
  return { payload, commits, resolved };
}

function handlerFor(group: string) {
  const sent: PoisonRecord[] = [];
  const handle = createBatchHandler({
    pool: db.pool,
    codec: poisonCodec,
    group,
    writeDeadLetters: async (_topic, _partition, records) => {
      sent.push(...records);
      return records;
    },
    gaps: new Set(),
    log: pino({ level: 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
  });
  return { handle, sent };
}

describe('the batch handler', () => {
  it('commits the next offset to Kafka after an applied batch', async () => {
    const topic = `handler-${randomUUID()}`;
    const { handle, sent } = handlerFor('g');
    const { payload, commits } = payloadFor(topic, 0, 4);
    await handle(payload, () => false);
    expect(sent.map((r) => r.offset)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(commits).toEqual([{ topics: [{ topic, partitions: [{ partition: 0, offset: '5' }] }] }]);
  });

  it('neither dead-letters again nor re-counts a redelivered batch PostgreSQL applied, and commits PostgreSQL’s offset to Kafka', async () => {
    const topic = `handler-${randomUUID()}`;
    // Offsets 0..9 applied earlier, their poison recorded.
    const poison = Array.from({ length: 10 }, (_, i) => poisonAt(i));
    await applyBatch(db.pool, { group: 'g', topic, partition: 0, firstOffset: 0n, lastOffset: 9n, good: [], poison });

    const { handle, sent } = handlerFor('g');
    const { payload, commits } = payloadFor(topic, 2, 6);
    await handle(payload, () => false);
    expect(sent).toEqual([]);
    expect(commits).toEqual([{ topics: [{ topic, partitions: [{ partition: 0, offset: '10' }] }] }]);
  });

  it('dead-letters only the poison past PostgreSQL’s offset in a batch that straddles it', async () => {
    const topic = `handler-${randomUUID()}`;
    await applyBatch(db.pool, {
      group: 'g',
      topic,
      partition: 0,
      firstOffset: 0n,
      lastOffset: 4n,
      good: [],
      poison: [0, 1, 2, 3, 4].map(poisonAt),
    });

    const { handle, sent } = handlerFor('g');
    const { payload, commits } = payloadFor(topic, 3, 7);
    await handle(payload, () => false);
    expect(sent.map((r) => r.offset)).toEqual([5n, 6n, 7n]);
    expect(commits).toEqual([{ topics: [{ topic, partitions: [{ partition: 0, offset: '8' }] }] }]);
  });
});
