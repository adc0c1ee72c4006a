// A batch that fails the same way on every attempt with an error that is not an outage (issue 15,
// item 1: here 42501, a missing grant, raised by a trigger of the test's own for one marker user;
// no record's fault, so not dead-lettered as contain-rejected.ts would a 22003) is reported while
// it fails (a counter, /readyz naming the partition and the code, a log line per attempt), the
// other partitions keep being applied, and once the cause is gone the batch applies and every
// event is counted once.
import {
  actualRows,
  appliedRecords,
  eventually,
  expectedRows,
  highWatermarks,
  produceEvents,
  reportEvent,
  sql,
} from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const MARKER = 'refused-by-test-trigger';

/** Makes every insert of the marker user's row into aggregates_minute fail with SQLSTATE 42501. */
async function refuseMarker(url: string): Promise<() => Promise<void>> {
  await sql(
    url,
    `CREATE FUNCTION refuse_marker() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF NEW.user_id = '${MARKER}' THEN
         RAISE EXCEPTION 'permission denied (test trigger)' USING ERRCODE = 'insufficient_privilege';
       END IF;
       RETURN NEW;
     END $$`,
  );
  await sql(url, 'CREATE TRIGGER refuse_marker BEFORE INSERT ON aggregates_minute FOR EACH ROW EXECUTE FUNCTION refuse_marker()');
  return async () => {
    await sql(url, 'DROP TRIGGER refuse_marker ON aggregates_minute');
  };
}

async function appliedOffsets(url: string, group: string): Promise<Map<number, number>> {
  const rows = await sql<{ partition: number; next_offset: string }>(
    url,
    'SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1',
    [group],
  );
  return new Map(rows.map((row) => [row.partition, Number(row.next_offset)]));
}

describe('a batch that keeps failing with an error that is not an outage', () => {
  it('is reported until it applies, the other partitions are applied meanwhile, and everything is counted once', async () => {
    const { url, config, ...n } = await isolatedPipeline(cleanups, 3);
    const consumer = await startTestConsumer(config());
    cleanups.push(() => consumer.stop());
    // The consumer migrated the database at start; the trigger is there before any record is.
    const allowMarker = await refuseMarker(url);

    const readyz = () => consumer.server.inject({ method: 'GET', url: '/readyz' });
    const failuresOf = async (partition: number) => {
      const metrics = (await consumer.server.inject({ method: 'GET', url: '/metrics' })).body;
      const line = metrics
        .split('\n')
        .find(
          (l) =>
            l.startsWith('tally_consumer_batch_failures_total{') &&
            l.includes(`partition="${partition}"`) &&
            l.includes('code="42501"'),
        );
      return Number(line?.split(' ').at(-1) ?? 0);
    };

    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    const first = [reportEvent({ user_id: MARKER, value: 1 }), ...users.map((user_id) => reportEvent({ user_id }))];
    await produceEvents(n.topic, first);

    const detail = await eventually(
      '/readyz to name a failing batch',
      async () => {
        const checks = (await readyz()).json().checks as Record<string, string> | undefined;
        return checks?.batches !== undefined && checks.batches !== 'ok' ? checks.batches : undefined;
      },
      30_000,
    );
    const partition = Number(/^partition (\d+) fails at offsets \d+\.\.\d+ with 42501 /.exec(detail)?.[1]);
    expect(detail).toMatch(
      /^partition \d+ fails at offsets \d+\.\.\d+ with 42501 \(\d+ attempts since .*permission denied \(test trigger\)/,
    );
    const notReady = await readyz();
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ status: 'not_ready' });

    // Attempted again and again, each attempt counted.
    await eventually('the batch to fail again', async () => (await failuresOf(partition)) >= 3, 30_000);

    // The other partitions keep being applied, including records sent after the failure began.
    const second = users.map((user_id) => reportEvent({ user_id }));
    await produceEvents(n.topic, second);
    const high = await highWatermarks(n.topic);
    const others = [...high.keys()].filter((p) => p !== partition);
    expect(others.some((p) => (high.get(p) ?? 0) > 0)).toBe(true);
    await eventually(
      'every other partition applied to its end',
      async () => {
        const applied = await appliedOffsets(url, n.group);
        return others.every((p) => (applied.get(p) ?? 0) === (high.get(p) ?? 0));
      },
      45_000,
    );
    expect((await appliedOffsets(url, n.group)).get(partition) ?? 0).toBeLessThan(high.get(partition) ?? 0);
    expect((await readyz()).statusCode).toBe(503);

    // The cause gone, the batch applies, /readyz is ok, and every event is counted once.
    await allowMarker();
    const all = [...first, ...second];
    await eventually('every record applied', async () => (await appliedRecords(url, n.group)) === all.length, 45_000);
    expect(await actualRows(url)).toEqual(expectedRows(all));
    expect(await sql(url, 'SELECT * FROM dead_letters')).toEqual([]);
    await eventually('/readyz ok again', async () => (await readyz()).statusCode === 200, 30_000);
    expect((await readyz()).json()).toMatchObject({ checks: { batches: 'ok' } });
    expect(await failuresOf(partition)).toBeGreaterThanOrEqual(3);
  }, 180_000);
});
