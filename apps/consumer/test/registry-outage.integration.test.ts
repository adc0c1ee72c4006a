import { countedEvents, eventually, produceEvents, reportEvent, SCHEMA_REGISTRY_URL, sql, startTcpProxy } from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

describe('the consumer while the schema registry is unreachable', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('waits for it instead of dead-lettering, then counts everything', async () => {
    const { url, config, ...n } = await isolatedPipeline(cleanups, 2);
    const db = { url };
    const registryUrl = new URL(SCHEMA_REGISTRY_URL);
    const proxy = await startTcpProxy(Number(registryUrl.port));
    cleanups.push(() => proxy.cut());
    registryUrl.port = String(proxy.port);

    // The consumer has never read a schema, so it must ask the registry, which is cut off.
    await proxy.cut();
    const consumer = await startTestConsumer(config({ SCHEMA_REGISTRY_URL: registryUrl.toString() }));
    cleanups.push(() => consumer.stop());
    await produceEvents(
      n.topic,
      Array.from({ length: 50 }, () => reportEvent()),
    );
    await eventually('retries against the registry', async () =>
      /tally_consumer_retries_total\{dependency="registry"\} [1-9]/.test(
        (await consumer.server.inject({ method: 'GET', url: '/metrics' })).body,
      ),
    );
    expect(await countedEvents(db.url)).toBe(0);

    await proxy.restore();
    await eventually('all 50 counted', async () => (await countedEvents(db.url)) === 50);
    expect(await sql(db.url, 'SELECT * FROM dead_letters')).toEqual([]);
  }, 120_000);
});
