// The bridge against the real RabbitMQ, Kafka, registry and PostgreSQL, fed by the real pika
// publisher: both start orders, a ledger of thousands of messages, bad bodies on the dead-letter topic.
import { actualRows, countedEvents, eventually, startApp, stopApp, waitReady } from '@tally/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../src/dead-letter.ts';
import {
  type Cleanup,
  ensurePika,
  isolatedPipeline,
  type LegacyEvent,
  ledgerRows,
  legacyEvent,
  metricValue,
  type Publish,
  publish,
  queueCounts,
  readDeadLetters,
  startBridgeProcess,
} from './fixture.ts';

const cleanups: Cleanup[] = [];
beforeAll(ensurePika, 300_000);
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('the AMQP bridge with the real pika publisher', () => {
  it('counts thousands of messages a publisher sent while the bridge was down, exactly as the ledger says', async () => {
    const t = await isolatedPipeline(cleanups);
    // Published first: pika's default queue_declare makes the queue, not durable.
    const events: LegacyEvent[] = [];
    const items: Publish[] = [];
    for (let i = 0; i < 3_000; i++) {
      const event = legacyEvent(i, 1);
      if (i % 10 === 9) {
        // Every tenth message is a list of two events.
        const second = legacyEvent(i + 100_000, 1);
        events.push(event, second);
        items.push({ data: [event, second], message_id: `list-${i}` });
      } else {
        events.push(event);
        items.push({ data: event, message_id: i % 2 === 0 ? `m-${i}` : null });
      }
    }
    expect(await publish(t.queue, items)).toBe(3_000);
    expect(await queueCounts(t.queue)).toMatchObject({ ready: 3_000, durable: false });

    const bridge = await startBridgeProcess(cleanups, t.bridgeEnv());
    await eventually(`${events.length} events counted`, async () => (await countedEvents(t.url)) >= events.length, 120_000, 250);
    expect(await actualRows(t.url)).toEqual(ledgerRows(events));
    await eventually('the queue drained and every delivery acked', async () => {
      const counts = await queueCounts(t.queue);
      return counts?.ready === 0 && counts.unacked === 0;
    });
    expect(await metricValue(bridge.port, 'tally_bridge_messages_total', 'outcome="forwarded"')).toBe(3_000);
    expect(await metricValue(bridge.port, 'tally_bridge_events_total')).toBe(events.length);
  }, 300_000);

  it('counts what pika publishes exactly as the producer counts the same events sent over HTTP', async () => {
    const events = Array.from({ length: 40 }, (_, i) => ({
      ...legacyEvent(i, 8),
      ...(i % 4 === 0 ? { value: 12.5, attributes: { region: 'eu-west-1', 'k€y': 'café ☃' } } : {}),
      ...(i % 5 === 0 ? { session_id: null, source: "it's a svc" } : {}),
    }));
    const viaAmqp = await isolatedPipeline(cleanups);
    const viaHttp = await isolatedPipeline(cleanups);
    const producer = await startApp('producer', 'producer', { REPORT_TOPIC: viaHttp.topic, REPORT_TOPIC_PARTITIONS: '3' });
    cleanups.push(() => stopApp(producer).then(() => undefined));
    await waitReady(producer);
    const answer = await fetch(`http://127.0.0.1:${producer.port}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    expect(answer.status).toBe(202);
    await publish(
      viaAmqp.queue,
      events.map((data) => ({ data })),
    );
    await startBridgeProcess(cleanups, viaAmqp.bridgeEnv());
    for (const t of [viaAmqp, viaHttp])
      await eventually('40 events counted', async () => (await countedEvents(t.url)) >= 40, 60_000, 250);
    const rows = await actualRows(viaAmqp.url);
    expect(rows).toEqual(await actualRows(viaHttp.url));
    expect(rows.reduce((n, r) => n + r.event_count, 0)).toBe(40);
  }, 300_000);

  it("declares a missing queue as pika's default declare does, so a publisher started after the bridge works unchanged", async () => {
    const t = await isolatedPipeline(cleanups);
    await startBridgeProcess(cleanups, t.bridgeEnv());
    await eventually('the bridge to declare and consume the queue', async () => (await queueCounts(t.queue))?.consumers === 1);
    expect(await queueCounts(t.queue)).toMatchObject({ durable: false });
    // NOTE: had the bridge declared it otherwise (durable, arguments), this declare would fail with PRECONDITION_FAILED.
    const events = Array.from({ length: 200 }, (_, i) => legacyEvent(i, 2));
    expect(
      await publish(
        t.queue,
        events.map((data) => ({ data })),
      ),
    ).toBe(200);
    await eventually('200 events counted', async () => (await countedEvents(t.url)) >= 200, 60_000, 250);
    expect(await actualRows(t.url)).toEqual(ledgerRows(events));
  }, 300_000);

  it('dead-letters bad bodies with the body, the properties and the reason, and keeps the queue flowing', async () => {
    const t = await isolatedPipeline(cleanups);
    const good = [legacyEvent(1, 3), legacyEvent(2, 3), legacyEvent(3, 3)];
    const bad: { item: Publish; code: string; reason: string }[] = [
      { item: { raw: 'hello', message_id: 'bad-text' }, code: 'BODY_UNREADABLE', reason: 'hello is a Python name' },
      { item: { raw_hex: '80ff0012fe', message_id: 'bad-binary' }, code: 'BODY_NOT_UTF8', reason: 'not UTF-8 text' },
      { item: { data: 'login', message_id: 'bad-not-a-dict' }, code: 'BODY_UNREADABLE', reason: 'login is a Python name' },
      { item: { data: ['a', 'b'], message_id: 'bad-list-of-str' }, code: 'EVENTS_INVALID', reason: '[0] must be a JSON object' },
      {
        item: { data: { user_id: -1, action: 'login', timestamp: '2021-01-01 10:00:00' }, message_id: 'bad-user' },
        code: 'EVENTS_INVALID',
        reason: 'user_id must be a string or a non-negative integer',
      },
      {
        item: {
          raw: "{'user_id': 1, 'action': 'login', 'timestamp': '2021-01-01 10:00:00', 'value': inf}",
          message_id: 'bad-inf',
        },
        code: 'BODY_UNREADABLE',
        reason: 'inf is not a finite number',
      },
    ];
    await publish(t.queue, [
      { data: good[0], message_id: 'good-0' },
      ...bad.slice(0, 3).map((b) => b.item),
      { data: good[1], message_id: 'good-1' },
      ...bad.slice(3).map((b) => b.item),
      { data: good[2] },
    ]);
    await startBridgeProcess(cleanups, t.bridgeEnv());

    const letters = await readDeadLetters(t.deadLetterTopic, bad.length);
    expect(letters.map((l) => l.key).sort()).toEqual(bad.map((b) => b.item.message_id).sort());
    for (const b of bad) {
      const letter = letters.find((l) => l.key === b.item.message_id);
      expect(letter?.headers[DLQ_HEADERS.reasonCode]).toBe(b.code);
      expect(letter?.headers[DLQ_HEADERS.reason]).toContain(b.reason);
      expect(letter?.headers[DLQ_HEADERS.queue]).toBe(t.queue);
      expect(letter?.headers['amqp-delivery-mode']).toBe('2');
    }
    expect(letters.find((l) => l.key === 'bad-binary')?.value.toString('hex')).toBe('80ff0012fe');
    expect(letters.find((l) => l.key === 'bad-user')?.value.toString()).toBe(
      "{'user_id': -1, 'action': 'login', 'timestamp': '2021-01-01 10:00:00'}",
    );

    await eventually('the 3 good events counted', async () => (await countedEvents(t.url)) >= 3, 60_000, 250);
    expect(await actualRows(t.url)).toEqual(ledgerRows(good));
    await eventually('nothing left in the queue, nothing unacked', async () => {
      const counts = await queueCounts(t.queue);
      return counts?.ready === 0 && counts.unacked === 0;
    });
  }, 300_000);
});
