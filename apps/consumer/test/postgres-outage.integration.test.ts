import {
  actualRows,
  countedEvents,
  DATABASE_URL,
  eventually,
  expectedRows,
  produceEvents,
  reportEvent,
  sql,
  startTcpProxy,
} from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

const OUTAGE_MS = 30_000;

describe('the consumer through a PostgreSQL outage', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('retries for 30 s without dead-lettering or skipping anything, then resumes by itself', async () => {
    const { url, config, ...n } = await isolatedPipeline(cleanups);
    const db = { url };
    // The machine's PostgreSQL is shared and never stopped: the outage happens at a proxy we own.
    const proxy = await startTcpProxy(Number(new URL(DATABASE_URL).port || 5432));
    cleanups.push(() => proxy.cut());
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);

    const consumer = await startTestConsumer(
      config({ DATABASE_URL: viaProxy.toString(), CONSUMER_STATEMENT_TIMEOUT_MS: '2000' }),
    );
    cleanups.push(() => consumer.stop());
    const before = Array.from({ length: 200 }, () => reportEvent());
    await produceEvents(n.topic, before);
    await eventually('the first 200 counted', async () => (await countedEvents(db.url)) === 200);

    await proxy.cut();
    const during = Array.from({ length: 300 }, () => reportEvent());
    await produceEvents(n.topic, during);
    const cutAt = Date.now();
    await eventually('retries against PostgreSQL', async () =>
      /tally_consumer_retries_total\{dependency="postgres"\} [1-9]/.test(
        (await consumer.server.inject({ method: 'GET', url: '/metrics' })).body,
      ),
    );
    expect((await consumer.server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
    expect(await countedEvents(db.url)).toBe(200);

    await proxy.restore();
    await eventually('all 500 counted', async () => (await countedEvents(db.url)) === 500, 90_000);
    expect(await actualRows(db.url)).toEqual(expectedRows([...before, ...during]));
    expect(await sql(db.url, 'SELECT * FROM dead_letters')).toEqual([]);
    expect((await consumer.server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  }, 180_000);
});
