// Per-record containment, driven by a stand-in apply that refuses chosen offsets the way
// PostgreSQL does (a pg.DatabaseError with a SQLSTATE); the real one is in
// test/contain-rejected.integration.test.ts.
import type { KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { ApplyOutcome, BatchToApply } from './apply/apply-batch.ts';
import { applyContaining, MAX_CONTAINED, REJECTED_BY_POSTGRES } from './contain-rejected.ts';
import type { PoisonRecord } from './decode-batch.ts';

function refused(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError(`SQLSTATE ${code}`, 0, 'error');
  error.code = code;
  return error;
}

/** A batch of offsets `first`..`last`, each a good record (the event's content does not matter here). */
function batchOf(first: number, last: number, poisonAt: number[] = []): BatchToApply {
  const offsets = Array.from({ length: last - first + 1 }, (_, i) => BigInt(first + i));
  const poison = (o: bigint) => poisonAt.includes(Number(o));
  return {
    group: 'g',
    topic: 't',
    partition: 0,
    firstOffset: BigInt(first),
    lastOffset: BigInt(last),
    good: offsets.filter((o) => !poison(o)).map((offset) => ({ offset, event: {} as never })),
    poison: offsets.filter(poison).map((offset) => ({ offset, message: {} as KafkaMessage, code: 'INVALID_EVENT', reason: 'r' })),
  };
}

/** An apply that refuses any part holding a good record at one of `bad`, and else records the part. */
function fakeDatabase(bad: number[], error: Error = refused('22003')) {
  const applied: BatchToApply[] = [];
  const sent: PoisonRecord[] = [];
  let next: bigint | undefined;
  let limited = 0;
  return {
    applied,
    sent,
    deps: {
      apply: async (part: BatchToApply): Promise<ApplyOutcome> => {
        if (part.good.some((r) => bad.includes(Number(r.offset)))) throw error;
        // Offsets move as PostgreSQL's would: each part starts where the last ended.
        if (next !== undefined) expect(part.firstOffset).toBe(next);
        next = part.lastOffset + 1n;
        applied.push(part);
        return {
          kind: 'applied',
          nextOffset: next,
          counted: part.good.length,
          duplicates: 0,
          alreadyApplied: 0,
          rows: part.good.length,
          deadLettered: part.poison.map((p) => p.code),
        };
      },
      deadLetter: async (records: PoisonRecord[]) => {
        sent.push(...records);
        return records;
      },
      messageAt: (offset: bigint) => ({ offset: String(offset) }) as KafkaMessage,
      limit: MAX_CONTAINED,
      onLimit: () => {
        limited++;
      },
    },
    limited: () => limited,
  };
}

describe('applyContaining', () => {
  it('applies a batch PostgreSQL takes as it is, in one part', async () => {
    const db = fakeDatabase([]);
    expect(await applyContaining(batchOf(0, 99), db.deps)).toMatchObject({ kind: 'applied', nextOffset: 100n, counted: 100 });
    expect(db.applied).toHaveLength(1);
  });

  it('dead-letters exactly the records PostgreSQL refuses, with the SQLSTATE, and counts every other one', async () => {
    const db = fakeDatabase([3, 57, 58]);
    const outcome = await applyContaining(batchOf(0, 99, [10]), db.deps);
    expect(outcome).toMatchObject({ kind: 'applied', nextOffset: 100n, counted: 96 });
    expect(db.sent.map((p) => Number(p.offset))).toEqual([3, 57, 58]);
    expect(db.sent.every((p) => p.code === REJECTED_BY_POSTGRES && p.reason.includes('SQLSTATE 22003'))).toBe(true);
    expect(outcome.kind === 'applied' && outcome.deadLettered.sort()).toEqual([
      'INVALID_EVENT',
      ...Array(3).fill(REJECTED_BY_POSTGRES),
    ]);
    // Each offset applied exactly once across the parts.
    const offsets = db.applied.flatMap((p) => [...p.good, ...p.poison].map((r) => Number(r.offset))).sort((a, b) => a - b);
    expect(offsets).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it.each([
    ['an outage', Object.assign(new Error('Connection terminated unexpectedly'))],
    ['a missing grant (42501)', refused('42501')],
    ['a bug', new TypeError('x is undefined')],
  ])('leaves %s to fail the batch: no record is at fault', async (_, error) => {
    const db = fakeDatabase([5], error);
    await expect(applyContaining(batchOf(0, 9), db.deps)).rejects.toBe(error);
    expect(db.sent).toEqual([]);
  });

  it(`fails the batch rather than dead-letter more than ${MAX_CONTAINED} of its records`, async () => {
    const bad = Array.from({ length: MAX_CONTAINED + 1 }, (_, i) => i * 2);
    const db = fakeDatabase(bad);
    await expect(applyContaining(batchOf(0, 99), db.deps)).rejects.toMatchObject({ code: '22003' });
    expect(db.sent).toHaveLength(MAX_CONTAINED);
    expect(db.limited()).toBe(1);
  });

  it('with a limit of 0 only applies the batch whole, and fails as it fails', async () => {
    const db = fakeDatabase([5]);
    await expect(applyContaining(batchOf(0, 9), { ...db.deps, limit: 0 })).rejects.toMatchObject({ code: '22003' });
    expect(db.applied).toEqual([]);
    expect(db.sent).toEqual([]);
  });
});
