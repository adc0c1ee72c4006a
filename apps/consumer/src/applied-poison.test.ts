import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { splitAppliedPoison } from './applied-poison.ts';
import type { PoisonRecord } from './decode-batch.ts';

const poisonAt = (offset: number): PoisonRecord => ({
  offset: BigInt(offset),
  message: {} as KafkaMessage,
  code: 'NOT_WIRE_FORMAT',
  reason: 'not wire format',
});
const offsets = (records: PoisonRecord[]) => records.map((r) => Number(r.offset));

describe('holding back poison PostgreSQL already applied', () => {
  it.each([
    { storedNext: undefined, fresh: [3, 4, 5], applied: [] },
    { storedNext: 0n, fresh: [3, 4, 5], applied: [] },
    { storedNext: 4n, fresh: [4, 5], applied: [3] },
    { storedNext: 6n, fresh: [], applied: [3, 4, 5] },
  ])('with next_offset $storedNext, dead-letters $fresh and holds back $applied', ({ storedNext, fresh, applied }) => {
    const split = splitAppliedPoison([3, 4, 5].map(poisonAt), storedNext);
    expect(offsets(split.fresh)).toEqual(fresh);
    expect(offsets(split.applied)).toEqual(applied);
  });
});
