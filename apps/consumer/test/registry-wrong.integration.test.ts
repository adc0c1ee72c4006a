// A registry that answers 404 to everything (a wrong SCHEMA_REGISTRY_URL path, an empty registry) is an outage, not
// a verdict on the records: nothing is dead-lettered, /readyz says why, and the right registry counts them all.
import { createServer, type Server } from 'node:http';
import { countedEvents, eventually, freePort, produceEvents, reportEvent, sql } from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

/** A registry of the test's own that answers 404 to every request. */
async function notFoundRegistry(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error_code: 404, message: 'HTTP 404 Not Found' }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/apis/ccompat/v7`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the consumer against a registry that answers 404 to everything', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('dead-letters nothing, is not ready, and counts everything once pointed at the right registry', async () => {
    const { url, config, ...n } = await isolatedPipeline(cleanups, 2);
    const wrong = await notFoundRegistry();
    cleanups.push(wrong.close);

    // The consumer has never read a schema (a cold cache), so every record asks the wrong registry.
    const consumer = await startTestConsumer(config({ SCHEMA_REGISTRY_URL: wrong.url }));
    let stopped = false;
    cleanups.push(async () => (stopped ? undefined : consumer.stop()));
    const events = Array.from({ length: 50 }, () => reportEvent());
    await produceEvents(n.topic, events);

    const readyz = async () => (await consumer.server.inject({ method: 'GET', url: '/readyz' })).json();
    const retried = async () =>
      /tally_consumer_retries_total\{dependency="registry"\} [1-9]/.test(
        (await consumer.server.inject({ method: 'GET', url: '/metrics' })).body,
      );
    const deadLettered = async () => (await sql(url, 'SELECT 1 FROM dead_letters')).length > 0;
    await eventually('the records retried or dead-lettered', async () => (await retried()) || (await deadLettered()));
    expect(await sql(url, 'SELECT * FROM dead_letters')).toEqual([]);
    expect(await retried()).toBe(true);
    await eventually('/readyz names the registry', async () => (await readyz()).checks?.registry !== 'ok');
    expect(await readyz()).toMatchObject({
      status: 'not_ready',
      checks: { registry: expect.stringMatching(/REGISTRY_WRONG_OR_EMPTY/) },
    });
    expect((await consumer.server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect(await countedEvents(url)).toBe(0);
    expect(await sql(url, 'SELECT * FROM dead_letters')).toEqual([]);
    expect((await consumer.server.inject({ method: 'GET', url: '/metrics' })).body).not.toMatch(
      /tally_consumer_dead_letters_total\{/,
    );
    await consumer.stop();
    stopped = true;

    const fixed = await startTestConsumer(config());
    cleanups.push(() => fixed.stop());
    await eventually('all 50 counted', async () => (await countedEvents(url)) === 50);
    expect(await sql(url, 'SELECT * FROM dead_letters')).toEqual([]);
    const ready = await fixed.server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toMatchObject({ checks: { registry: 'ok' } });
  }, 120_000);
});
