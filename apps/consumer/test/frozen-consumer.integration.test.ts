// Issue 15, item 5, and issue 16: a consumer frozen (SIGSTOP, a long pause) must stall no other partition. A batch
// is one statement, its own transaction (apply-statement.ts), so wherever the process is stopped, once the statement
// it sent (if any) finishes, its backends hold no transaction and no lock: checked at many moments under load. Two
// consumers of one group run as processes; one is left stopped. The other's partitions go on being applied at once,
// and once the group hands it the frozen member's partitions, it applies them too. The numbers stay exact.

import { setTimeout as sleep } from 'node:timers/promises';
import type { ReportEvent } from '@tally/schemas';
import { createReportCodec } from '@tally/schemas/codec';
import {
  type AppProcess,
  actualRows,
  countedEvents,
  eventually,
  expectedRows,
  reportEvent,
  sql,
  startApp,
  stopApp,
  testKafka,
  testRegistry,
  waitReady,
} from '@tally/testkit';
import { Partitioners, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipeline } from './fixture.ts';

// The settings the consumers run with, and the bounds that follow from them.
const SESSION_TIMEOUT_MS = 10_000;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;
const LOCK_TIMEOUT_MS = 2_000;
/**
 * The living consumer's own partitions: well under the idle-in-transaction timeout, which a batch
 * that needed one of the frozen transaction's rows would have to wait out (and under the session
 * timeout, so the group has not rebalanced yet).
 */
const LIVE_BOUND_MS = IDLE_IN_TRANSACTION_TIMEOUT_MS / 2;
/**
 * The frozen member's partitions, from the freeze: the group drops it after the session timeout
 * and PostgreSQL ends its transaction after the idle timeout (both counted from before the
 * freeze); then a batch waiting on its locks fails within the lock timeout and is retried within
 * 5 s (retry.ts's longest backoff). 15 s more for the rebalance itself and a loaded machine.
 */
const TAKEOVER_BOUND_MS = Math.max(SESSION_TIMEOUT_MS, IDLE_IN_TRANSACTION_TIMEOUT_MS) + LOCK_TIMEOUT_MS + 5_000 + 15_000;
const PARTITIONS = 4;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** The partitions a consumer process holds: its last `partitions_assigned` log line. */
function assignedTo(app: AppProcess): number[] | undefined {
  const lines = app
    .output()
    .split('\n')
    .filter((line) => line.includes('"partitions_assigned"'));
  const last = lines.at(-1);
  return last === undefined ? undefined : (JSON.parse(last) as { partitions: number[] }).partitions;
}

/** PostgreSQL's next_offset per partition of the group. */
async function appliedUpTo(url: string, group: string): Promise<Map<number, number>> {
  const rows = await sql<{ partition: number; next_offset: string }>(
    url,
    'SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1',
    [group],
  );
  return new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
}

/** Each partition's log end. */
async function logEnds(topic: string): Promise<Map<number, number>> {
  const admin = testKafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

interface Backend {
  pid: number;
  state: string;
  xact_start: Date | null;
  query: string;
}

/** The consumer process's PostgreSQL backends (its pool names itself with its process id). */
const backendsOf = async (watcher: pg.Client, app: AppProcess) =>
  (
    await watcher.query<Backend>('SELECT pid, state, xact_start, query FROM pg_stat_activity WHERE application_name = $1', [
      `tally-consumer ${app.child.pid}`,
    ])
  ).rows;

describe('a frozen consumer', () => {
  it('holds no transaction wherever it is stopped, and stalls no other partition: the living consumer applies its own at once, then the frozen one’s, exactly', async () => {
    const { url, topic, deadLetterTopic, group } = await isolatedPipeline(cleanups, PARTITIONS);
    const env = {
      DATABASE_URL: url,
      REPORT_TOPIC: topic,
      DEAD_LETTER_TOPIC: deadLetterTopic,
      CONSUMER_GROUP: group,
      CONSUMER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      CONSUMER_IDLE_IN_TRANSACTION_TIMEOUT_MS: String(IDLE_IN_TRANSACTION_TIMEOUT_MS),
      CONSUMER_LOCK_TIMEOUT_MS: String(LOCK_TIMEOUT_MS),
      // For the partitions_assigned lines.
      LOG_LEVEL: 'info',
    };
    const frozen = await startApp('consumer', 'to-be-frozen', env, { captureOutput: true });
    cleanups.push(async () => void (await stopApp(frozen, 'SIGKILL')));
    const living = await startApp('consumer', 'living', env, { captureOutput: true });
    cleanups.push(async () => void (await stopApp(living, 'SIGKILL')));
    for (const app of [frozen, living]) {
      await waitReady(app, 90_000).catch((error: Error) => {
        throw new Error(`${error.message}; it printed:\n${app.output().slice(-3_000)}`);
      });
    }

    // One connection, polled often: pg_stat_activity as the consumers' backends report themselves.
    const watcher = new pg.Client({ connectionString: url });
    watcher.on('error', () => undefined);
    await watcher.connect();
    cleanups.push(() => watcher.end());

    const producer: Producer = testKafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const encode = await createReportCodec({ registry: testRegistry, topic }).encoder();
    const sent: ReportEvent[] = [];
    // Every event in one hour and of one action, so all partitions' batches add to the same
    // per-action hourly numbers; users spread over all partitions (keyed by user_id).
    const produce = async (n: number) => {
      const events = Array.from({ length: n }, (_, i) =>
        reportEvent({ user_id: `f${(sent.length + i) % 40}`, action: 'frozen' }),
      );
      await producer.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.user_id, value: encode(e) })) });
      sent.push(...events);
    };
    const allApplied = async () => {
      const [ends, applied] = [await logEnds(topic), await appliedUpTo(url, group)];
      return [...ends].every(([p, end]) => end === 0 || applied.get(p) === end);
    };

    await produce(400);
    await eventually('the first 400 applied', allApplied, 60_000);
    const split = await eventually('the group to settle, two partitions each', async () => {
      const [f, l] = [assignedTo(frozen), assignedTo(living)];
      if (!f?.length || !l?.length || f.length + l.length !== PARTITIONS) return undefined;
      return new Set([...f, ...l]).size === PARTITIONS ? { frozen: f, living: l } : undefined;
    });

    // Keep both consumers busy; stop one at many moments, each time checking that once its last
    // statement finished nothing of it is left in a transaction; the last stop stays.
    let streaming = true;
    const stream = (async () => {
      while (streaming) await produce(40);
    })();
    const FREEZES = 20;
    let caughtMidStatement = 0;
    for (let freeze = 1; freeze <= FREEZES; freeze++) {
      await sleep(Math.floor(Math.random() * 50));
      frozen.child.kill('SIGSTOP');
      if ((await backendsOf(watcher, frozen)).some((b) => b.state === 'active')) caughtMidStatement += 1;
      // A statement sent just before the stop still finishes: wait until none is running.
      const settled = await eventually(
        'the stopped consumer’s statements to finish',
        async () => {
          const backends = await backendsOf(watcher, frozen);
          return backends.every((b) => b.state !== 'active') ? backends : undefined;
        },
        10_000,
        20,
      );
      expect(settled.filter((b) => b.state.startsWith('idle in transaction'))).toEqual([]);
      if (freeze < FREEZES) frozen.child.kill('SIGCONT');
    }
    streaming = false;
    await stream;
    const frozenAt = Date.now();

    // The living consumer's partitions go on: a new burst on every partition is applied there at
    // once, while the frozen member's partitions do not move.
    const before = await appliedUpTo(url, group);
    await produce(400);
    const burstEnds = await logEnds(topic);
    const started = Date.now();
    await eventually(
      `the living consumer's partitions ${split.living.join(', ')} to apply the burst within ${LIVE_BOUND_MS} ms`,
      async () => {
        const applied = await appliedUpTo(url, group);
        return split.living.every((p) => applied.get(p) === burstEnds.get(p));
      },
      LIVE_BOUND_MS,
      50,
    );
    const liveMs = Date.now() - started;
    const during = await appliedUpTo(url, group);
    for (const p of split.frozen) expect(during.get(p), `frozen partition ${p}`).toBe(before.get(p));

    // The group gives the frozen member's partitions to the living one (the process is still
    // stopped), and they are applied too: no lock of the frozen one is in the way.
    await eventually(
      `the frozen member's partitions applied by the living consumer within ${TAKEOVER_BOUND_MS} ms of the freeze`,
      allApplied,
      TAKEOVER_BOUND_MS - (Date.now() - frozenAt),
      100,
    );
    const takeoverMs = Date.now() - frozenAt;
    expect(assignedTo(living)?.length).toBe(PARTITIONS);
    console.info(
      `frozen-consumer: ${FREEZES} stops, ${caughtMidStatement} of them during a statement; living partitions caught up in ${liveMs} ms (bound ${LIVE_BOUND_MS}); frozen ones taken over in ${takeoverMs} ms (bound ${TAKEOVER_BOUND_MS})`,
    );

    // Woken, the frozen consumer finds its session gone and rejoins; the numbers stay exact.
    frozen.child.kill('SIGCONT');
    await produce(400);
    await eventually('every record applied after the frozen consumer woke', allApplied, 90_000);
    expect(await countedEvents(url)).toBe(sent.length);
    expect(await actualRows(url)).toEqual(expectedRows(sent));
    // And the per-action view sums the partitions' partial rows to the users' hours.
    const perAction = await sql(
      url,
      'SELECT bucket_start, action, event_count, value_sum, value_min, value_max, value_count FROM aggregates_hour_per_action ORDER BY 1, 2',
    );
    const fromHours = await sql(
      url,
      `SELECT bucket_start, action, sum(event_count)::bigint AS event_count, sum(value_sum) AS value_sum, min(value_min) AS value_min,
         max(value_max) AS value_max, sum(value_count)::bigint AS value_count FROM aggregates_hour GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(perAction).toEqual(fromHours);

    expect(await stopApp(frozen)).toBe(0);
    expect(await stopApp(living)).toBe(0);
  }, 300_000);
});
