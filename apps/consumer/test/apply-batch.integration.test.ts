import { randomUUID } from 'node:crypto';
import { countedEvents, migratedDatabase, reportEvent } from '@tally/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBatch, type BatchToApply } from '../src/apply/apply-batch.ts';
import type { GoodRecord } from '../src/decode-batch.ts';

// The fence, exercised directly: two owners of one partition apply overlapping batches in either
// order, as a consumer that lost its partition and woke up late would.
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let pool: pg.Pool;
beforeAll(async () => {
  db = await migratedDatabase();
  pool = db.pool;
});
afterAll(() => db.drop());

// One event per offset of each topic: redelivering an offset redelivers the same event.
const eventIds = new Map<string, string>();
function eventAt(topic: string, offset: number) {
  const key = `${topic}/${offset}`;
  const id = eventIds.get(key) ?? randomUUID();
  eventIds.set(key, id);
  return reportEvent({ event_id: id });
}

function batch(topic: string, from: number, to: number): BatchToApply {
  const good: GoodRecord[] = [];
  for (let offset = from; offset <= to; offset++) good.push({ offset: BigInt(offset), event: eventAt(topic, offset) });
  return { group: 'g', topic, partition: 0, firstOffset: BigInt(from), lastOffset: BigInt(to), good, poison: [] };
}

describe('the offset fence', () => {
  it('lets a stale owner apply nothing the new owner already applied', async () => {
    const topic = `fence-${randomUUID()}`;
    expect(await applyBatch(pool, batch(topic, 0, 9))).toMatchObject({ kind: 'applied', nextOffset: 10n, counted: 10 });
    // The zombie wakes up with the same batch it had before it was frozen.
    expect(await applyBatch(pool, batch(topic, 0, 9))).toMatchObject({
      kind: 'applied',
      nextOffset: 10n,
      counted: 0,
      alreadyApplied: 10,
    });
    expect(await countedEvents(db.url)).toBe(10);
  });

  it('applies only the part of an overlapping batch that is new, whoever comes second', async () => {
    const topic = `fence-${randomUUID()}`;
    const before = await countedEvents(db.url);
    await applyBatch(pool, batch(topic, 0, 9));
    expect(await applyBatch(pool, batch(topic, 5, 14))).toMatchObject({ nextOffset: 15n, counted: 5, alreadyApplied: 5 });
    expect(await applyBatch(pool, batch(topic, 10, 12))).toMatchObject({ nextOffset: 15n, counted: 0, alreadyApplied: 3 });
    expect(await countedEvents(db.url)).toBe(before + 15);
  });

  it('serialises two owners racing on the same partition', async () => {
    const topic = `fence-${randomUUID()}`;
    const before = await countedEvents(db.url);
    const [a, b] = await Promise.all([applyBatch(pool, batch(topic, 0, 49)), applyBatch(pool, batch(topic, 0, 49))]);
    expect([a, b].map((o) => (o.kind === 'applied' ? o.counted : -1)).sort()).toEqual([0, 50]);
    expect(await countedEvents(db.url)).toBe(before + 50);
  });

  it('refuses a batch that starts past the stored offset', async () => {
    const topic = `fence-${randomUUID()}`;
    await applyBatch(pool, batch(topic, 0, 4));
    expect(await applyBatch(pool, batch(topic, 7, 9))).toEqual({ kind: 'gap', storedNextOffset: 5n, firstOffset: 7n });
  });
});
