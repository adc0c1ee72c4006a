// A real PostgreSQL crash under load, on a cluster the test owns (the shared server is never
// stopped): with synchronous_commit=off the crash loses the last commits together with their
// offsets, while the consumer keeps running with its Kafka position past them. It must read those
// records again from PostgreSQL's next_offset and count every event once, with no restart.

import type { ReportEvent } from '@tally/schemas';
import {
  actualRows,
  countedEvents,
  eventually,
  expectedRows,
  produceEvents,
  recordsOn,
  reportEvent,
  sql,
  startPrivatePostgres,
  startTcpProxy,
} from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const appliedOffsets = async (url: string) =>
  Number((await sql<{ n: string | null }>(url, 'SELECT sum(next_offset) AS n FROM consumer_offsets'))[0]?.n ?? 0);

describe('a PostgreSQL crash under a running consumer', () => {
  it('loses commits PostgreSQL had not flushed, and the consumer reads them again and counts every event once, with no restart', async () => {
    // NOTE: WAL buffers that do not fill, and (below) a frozen WAL writer, so the crash surely loses
    // the last commits: synchronous_commit=off leaves writing them to the WAL writer, which would
    // otherwise write every full WAL page and, every wal_writer_delay, the rest.
    const postgres = await startPrivatePostgres({ wal_buffers: '64MB' });
    cleanups.push(postgres.remove);
    // The consumer reaches it through a proxy, so the test can look at what survived the crash
    // before the consumer reconnects and applies again.
    const proxy = await startTcpProxy(postgres.port);
    cleanups.push(() => proxy.cut());
    const viaProxy = new URL(postgres.url);
    viaProxy.port = String(proxy.port);
    const { config, topic } = await isolatedPipeline(cleanups, 3);
    const consumer = await startTestConsumer(
      config({ DATABASE_URL: viaProxy.toString(), CONSUMER_SYNCHRONOUS_COMMIT: 'off', CONSUMER_STATEMENT_TIMEOUT_MS: '2000' }),
    );
    cleanups.push(() => consumer.stop());

    const sent: ReportEvent[] = [];
    const produce = async (n: number) => {
      const events = Array.from({ length: n }, () => reportEvent());
      await produceEvents(topic, events);
      sent.push(...events);
    };
    // Steady load until a few thousand events are applied, then the crash, mid-stream.
    while (sent.length < 3_000) await produce(100);
    await eventually('the load applied', async () => (await appliedOffsets(postgres.url)) >= 2_500);
    // Made durable, so the crash leaves each partition's row behind its batches (not only rows
    // the crash lost entirely): both ways of falling behind are read again.
    // What is applied before the checkpoint is surely flushed by it; what commits after the WAL
    // writer froze is not.
    await postgres.freezeWalWriter();
    const durable = await appliedOffsets(postgres.url);
    await sql(postgres.url, 'CHECKPOINT');
    while (sent.length < 4_000) await produce(100);
    await eventually('more applied after the checkpoint', async () => (await appliedOffsets(postgres.url)) >= durable + 500);
    // What PostgreSQL has committed when it crashes: the consumer is cut off first, so nothing
    // commits between this read and the crash.
    await proxy.cut();
    const appliedBeforeCrash = await appliedOffsets(postgres.url);
    await postgres.crash();
    for (let i = 0; i < 5; i++) await produce(100); // the consumer reads on while PostgreSQL is away
    await postgres.start();
    const appliedAfterCrash = await appliedOffsets(postgres.url);
    await proxy.restore();
    for (let i = 0; i < 5; i++) await produce(100);

    const total = await recordsOn(topic);
    expect(total).toBe(sent.length);
    expect(appliedAfterCrash).toBeLessThan(appliedBeforeCrash); // commits were lost
    expect(appliedAfterCrash).toBeGreaterThanOrEqual(durable); // and what was flushed was not
    await eventually('every record applied again', async () => (await appliedOffsets(postgres.url)) === total, 90_000);
    expect(await countedEvents(postgres.url)).toBe(sent.length);
    expect(await actualRows(postgres.url)).toEqual(expectedRows(sent));
    const ready = await eventually(
      'ready',
      async () => {
        const response = await consumer.server.inject({ method: 'GET', url: '/readyz' });
        return response.statusCode === 200 ? response : undefined;
      },
      30_000,
    );
    expect(ready.statusCode).toBe(200);
  }, 240_000);
});
