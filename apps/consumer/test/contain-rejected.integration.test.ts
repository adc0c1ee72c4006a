// A record PostgreSQL refuses must not hold its partition back: it is dead-lettered with the
// SQLSTATE, and every record around it is counted. PostgreSQL's refusal is real: a CHECK
// constraint the test adds refuses one action (no input the public API accepts is refused today;
// this stands for whatever a future column type or a hand-made constraint may refuse).

import { migrate } from '@tally/db';
import type { ReportEvent } from '@tally/schemas';
import { actualRows, countedEvents, eventually, expectedRows, produceEvents, recordsOn, reportEvent, sql } from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_CONTAINED, REJECTED_BY_POSTGRES } from '../src/contain-rejected.ts';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const REFUSED = 'refused-by-test';

/** A pipeline on one partition whose database refuses the action REFUSED, with `events` on its topic. */
async function refusingPipeline(events: ReportEvent[]) {
  const t = await isolatedPipeline(cleanups, 1);
  await migrate(t.url);
  await sql(t.url, `ALTER TABLE aggregates_minute ADD CONSTRAINT refuse_one_action CHECK (action <> '${REFUSED}')`);
  await produceEvents(t.topic, events);
  const consumer = await startTestConsumer(t.config());
  cleanups.push(() => consumer.stop());
  return { ...t, consumer };
}

const deadLetters = (url: string) =>
  sql<{ offset: string; reason_code: string; reason: string }>(
    url,
    'SELECT "offset", reason_code, reason FROM dead_letters ORDER BY "offset"',
  );

const readiness = async (consumer: { server: { inject: (o: object) => Promise<{ statusCode: number; body: string }> } }) =>
  consumer.server.inject({ method: 'GET', url: '/readyz' });

describe('a record PostgreSQL refuses', () => {
  it('is dead-lettered with the SQLSTATE, and the records around it in its batch and after it are counted', async () => {
    const events = Array.from({ length: 40 }, (_, i) => reportEvent(i === 7 || i === 31 ? { action: REFUSED } : {}));
    const t = await refusingPipeline(events);
    const good = events.filter((e) => e.action !== REFUSED);
    await eventually('the good events counted', async () => (await countedEvents(t.url)) === good.length);
    const letters = await deadLetters(t.url);
    expect(letters.map((l) => [l.offset, l.reason_code])).toEqual([
      ['7', REJECTED_BY_POSTGRES],
      ['31', REJECTED_BY_POSTGRES],
    ]);
    expect(letters[0]?.reason).toMatch(/SQLSTATE 23514.*refuse_one_action/);
    expect(await recordsOn(t.deadLetterTopic)).toBe(2);
    expect(await actualRows(t.url)).toEqual(expectedRows(good));
    // Later records flow too.
    const later = Array.from({ length: 5 }, () => reportEvent());
    await produceEvents(t.topic, later);
    await eventually('later events counted', async () => (await countedEvents(t.url)) === good.length + later.length);
    expect((await readiness(t.consumer)).statusCode).toBe(200);
  }, 60_000);

  it(`stops the partition, reported, when more than ${MAX_CONTAINED} of a batch are refused, and resumes once PostgreSQL takes them`, async () => {
    const events = Array.from({ length: 30 }, (_, i) => reportEvent(i % 2 === 0 ? { action: REFUSED } : {}));
    const t = await refusingPipeline(events);
    const ready = await eventually(
      'the partition reported as failing',
      async () => {
        const response = await readiness(t.consumer);
        return response.statusCode === 503 && response.body.includes('23514') ? response : undefined;
      },
      30_000,
    );
    expect(ready.body).toMatch(/partition 0 fails at offsets/);
    // Not emptied into the dead-letter topic: at most the limit, and it stays there.
    expect(await recordsOn(t.deadLetterTopic)).toBeLessThanOrEqual(MAX_CONTAINED);
    const contained = (await deadLetters(t.url)).length;
    expect(contained).toBeLessThanOrEqual(MAX_CONTAINED);

    await sql(t.url, 'ALTER TABLE aggregates_minute DROP CONSTRAINT refuse_one_action');
    await eventually(
      'every record applied',
      async () => (await countedEvents(t.url)) + (await deadLetters(t.url)).length === events.length,
    );
    expect(await recordsOn(t.deadLetterTopic)).toBe((await deadLetters(t.url)).length);
    await eventually('ready again', async () => (await readiness(t.consumer)).statusCode === 200, 30_000);
  }, 90_000);
});
