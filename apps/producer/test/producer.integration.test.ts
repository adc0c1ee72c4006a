import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createReportCodec } from '@tally/schemas/codec';
import { eventually } from '@tally/testkit';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningProducer, startProducer } from '../src/producer-app.ts';

const config = loadConfig(process.env);
const kafka = new Kafka({ clientId: 'producer-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const topics: string[] = [];
const running: RunningProducer[] = [];

afterAll(async () => {
  for (const producer of running) await producer.stop().catch(() => undefined);
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

async function producerFor(overrides: Record<string, string> = {}) {
  const topic = `producer-test-${randomUUID()}`;
  topics.push(topic);
  const producer = await startProducer(
    loadConfig({ ...process.env, REPORT_TOPIC: topic, ...overrides }),
    pino({ level: 'silent' }),
    {
      defaultMetrics: false,
    },
  );
  running.push(producer);
  return { topic, producer };
}

interface Read {
  key: string;
  partition: number;
  event: Record<string, unknown>;
}

/** Every record of the topic, decoded, once `count` have arrived. */
async function readBack(topic: string, count: number): Promise<Read[]> {
  const codec = createReportCodec({ registry: new SchemaRegistry({ host: config.schemaRegistryUrl }), topic });
  const consumer = kafka.consumer({ groupId: `producer-test-${randomUUID()}` });
  const records: Read[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      const decoded = await codec.decode(message.value);
      if (!decoded.ok) throw decoded.error;
      records.push({ key: String(message.key), partition, event: decoded.event as unknown as Record<string, unknown> });
    },
  });
  // Whatever arrived in 30 s: the callers compare it with what they expect.
  await eventually(`${count} records`, async () => records.length >= count, 30_000, 50).catch(() => undefined);
  await consumer.disconnect();
  return records;
}

async function recordCount(topic: string): Promise<number> {
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

const javaPartition = (() => {
  const { cases } = JSON.parse(readFileSync(new URL('../src/ingest/partitioner.vectors.json', import.meta.url), 'utf8')) as {
    cases: { partitions: number; key: string; partition: number }[];
  };
  return (key: string) => cases.find((c) => c.partitions === 12 && c.key === key)?.partition;
})();

const partitionOf = (() => {
  const partition = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: 12 }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));
  return (key: string) => partition({ topic: 't', partitionMetadata, message: { key, value: null } });
})();

const post = (producer: RunningProducer, payload: string, contentType = 'application/json') =>
  producer.server.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': contentType }, payload });

describe('POST /v1/events against the real broker and registry', () => {
  it('takes the original code’s event and writes it keyed "1" on the partition the Java client picks', async () => {
    const { topic, producer } = await producerFor();
    const response = await post(producer, JSON.stringify({ user_id: 1, action: 'login', timestamp: '2021-01-01 10:00:00' }));
    expect(response.statusCode).toBe(202);
    const { accepted, event_ids } = response.json() as { accepted: number; event_ids: string[] };
    expect(accepted).toBe(1);

    const [record] = await readBack(topic, 1);
    expect(record?.key).toBe('1');
    expect(record?.partition).toBe(javaPartition('1'));
    expect(record?.event).toMatchObject({
      event_id: event_ids[0],
      user_id: '1',
      action: 'login',
      occurred_at: Date.UTC(2021, 0, 1, 10, 0, 0),
      session_id: null,
    });
  });

  it('takes a batch and NDJSON, every event on its user’s partition', async () => {
    const { topic, producer } = await producerFor();
    const now = Date.now();
    const batch = Array.from({ length: 50 }, (_, i) => ({
      user_id: `u${i % 7}`,
      action: 'page.view',
      occurred_at: now - i,
      value: i,
    }));
    const ndjson = [
      '{"user_id":"n1","action":"a","occurred_at":1}',
      '',
      '{"user_id":"n2","action":"b","timestamp":1609495200.5}',
    ].join('\n');
    const first = await post(producer, JSON.stringify(batch));
    const second = await post(producer, ndjson, 'application/x-ndjson');
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    const ids = [...(first.json() as { event_ids: string[] }).event_ids, ...(second.json() as { event_ids: string[] }).event_ids];

    const records = await readBack(topic, 52);
    expect(records.map((r) => r.event.event_id).sort()).toEqual([...ids].sort());
    for (const record of records) {
      expect(record.key).toBe(record.event.user_id);
      expect(record.partition).toBe(partitionOf(record.key));
    }
    expect(records.find((r) => r.key === 'n2')?.event.occurred_at).toBe(1_609_495_200_500);
  });

  it('answers a request retried with the same Idempotency-Key with the same event ids, carried by the records on the topic', async () => {
    const { topic, producer } = await producerFor();
    const own = 'F47AC10B-58CC-4372-A567-0E02B2C3D479';
    const events = [
      { user_id: 'i1', action: 'order.paid', occurred_at: 1_700_000_000_000, value: 10 },
      { user_id: 'i2', action: 'order.paid', occurred_at: 1_700_000_000_001, event_id: own },
      { user_id: 'i1', action: 'order.paid', occurred_at: 1_700_000_000_002 },
    ];
    const send = (key: string) =>
      producer.server.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        payload: JSON.stringify(events),
      });
    const first = await send('checkout-7f3a');
    const retry = await send('checkout-7f3a');
    const other = await send('checkout-7f3b');
    expect([first.statusCode, retry.statusCode, other.statusCode]).toEqual([202, 202, 202]);
    const ids = (first.json() as { event_ids: string[] }).event_ids;
    expect((retry.json() as { event_ids: string[] }).event_ids).toEqual(ids);
    expect(ids[1]).toBe(own.toLowerCase());
    const otherIds = (other.json() as { event_ids: string[] }).event_ids;
    expect(otherIds.filter((id) => ids.includes(id))).toEqual([own.toLowerCase()]);

    // Nine records: the retry's copies carry the first attempt's ids, so the consumer's dedupe counts them once.
    const records = await readBack(topic, 9);
    expect(records.map((r) => r.event.event_id).sort()).toEqual([...ids, ...ids, ...otherIds].sort());
  });

  it('refuses a malformed Idempotency-Key with 400 and writes nothing', async () => {
    const { topic, producer } = await producerFor();
    const response = await producer.server.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'not a key' },
      payload: JSON.stringify({ user_id: 'u', action: 'a', occurred_at: 1 }),
    });
    expect([response.statusCode, response.json()]).toEqual([
      400,
      {
        errors: [{ index: null, path: 'headers.idempotency-key', message: 'must be letters, digits and - _ . : ~ + / = only' }],
      },
    ]);
    expect(await recordCount(topic)).toBe(0);
  });

  describe('rejections leave the topic untouched', () => {
    const ok = { user_id: 'u', action: 'a', occurred_at: 1 };
    let target: Awaited<ReturnType<typeof producerFor>>;

    it.each([
      [
        'an invalid event',
        JSON.stringify({ user_id: '', action: 'a' }),
        'application/json',
        400,
        [
          { index: 0, path: 'user_id', message: 'must be 1–128 characters' },
          { index: 0, path: 'occurred_at', message: 'is required (or timestamp)' },
        ],
      ],
      [
        'a batch with one bad event',
        JSON.stringify([ok, { ...ok, action: 'Bad' }, ok]),
        'application/json',
        400,
        [
          {
            index: 1,
            path: 'action',
            message: 'must be lower-case letters, digits and _ . : -, starting with a letter or digit',
          },
        ],
      ],
      [
        'an empty batch',
        '[]',
        'application/json',
        400,
        [{ index: null, path: '', message: 'no events: send an event object, an array of them, or NDJSON lines' }],
      ],
      [
        '1,001 events',
        JSON.stringify(Array.from({ length: 1_001 }, () => ok)),
        'application/json',
        413,
        [{ index: null, path: '', message: '1001 events; at most 1000 per request' }],
      ],
      [
        'a body over 1 MiB',
        JSON.stringify([{ ...ok, source: 'x'.repeat(1_100_000) }]),
        'application/json',
        413,
        [{ index: null, path: '', message: 'body is larger than 1048576 bytes' }],
      ],
      [
        'text',
        'user 1 logged in',
        'text/plain',
        415,
        [
          {
            index: null,
            path: '',
            message: 'unsupported content type "text/plain": send application/json or application/x-ndjson',
          },
        ],
      ],
      [
        'broken JSON',
        '{"user_id": 1,, "action": "x"}',
        'application/json',
        400,
        [{ index: null, path: '', message: expect.stringMatching(/^body is not valid JSON: .*position 14/) }],
      ],
      [
        'a broken NDJSON line',
        `${JSON.stringify(ok)}\n{"user_id":`,
        'application/x-ndjson',
        400,
        [{ index: null, path: '', message: expect.stringMatching(/^line 2 is not valid JSON: /) }],
      ],
    ])('%s', async (_, payload, contentType, status, errors) => {
      target ??= await producerFor();
      const response = await post(target.producer, payload, contentType);
      expect(response.statusCode).toBe(status);
      expect(response.json()).toEqual({ errors });
    });

    it('with nothing written for any of them', async () => {
      expect(target).toBeDefined();
      expect(await recordCount(target.topic)).toBe(0);
    });
  });

  it('answers readiness and counts outcomes in /metrics', async () => {
    const { producer } = await producerFor();
    await post(producer, JSON.stringify({ user_id: 'm', action: 'a', occurred_at: 1 }));
    await post(producer, JSON.stringify({ user_id: 'm' }));
    expect((await producer.server.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
      checks: { kafka: 'ok', registry: 'ok' },
    });
    const metrics = (await producer.server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('tally_producer_http_requests_total{outcome="accepted"} 1');
    expect(metrics).toContain('tally_producer_http_requests_total{outcome="invalid"} 1');
    expect(metrics).toContain('tally_producer_events_total{outcome="accepted",reason=""} 1');
  });

  it('on shutdown flushes what it accepted, so every 202 is in the topic', async () => {
    // A long linger keeps the requests waiting in the batcher when the shutdown begins.
    const { topic, producer } = await producerFor({ PRODUCER_LINGER_MS: '1000' });
    await producer.server.listen({ port: 0, host: '127.0.0.1' });
    const { port } = producer.server.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/v1/events`;
    const requests = Array.from({ length: 10 }, (_, r) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          Array.from({ length: 100 }, (_, i) => ({ user_id: `s${(r * 100 + i) % 13}`, action: 'x', occurred_at: i })),
        ),
      }),
    );
    // Every event inside the producer (buffered, or acknowledged already) before the stop begins:
    // a fixed pause was too short on a loaded machine, and requests not yet read were answered 503.
    const inside = async () => {
      const text = (await producer.server.inject({ method: 'GET', url: '/metrics' })).body;
      const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
      const buffered = value(/^tally_producer_buffer_events (\d+)/m);
      const acknowledged = value(/^tally_producer_events_total\{[^}]*outcome="accepted"[^}]*\} (\d+)/m);
      return buffered + acknowledged === 1_000;
    };
    await eventually('all 1,000 events inside the producer', inside, 30_000, 20);
    const stopped = producer.stop();
    const late = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(
      (response) => response.status,
      () => 'refused',
    );
    await stopped;
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    const ids = (await Promise.all(answers.map((a) => a.json() as Promise<{ event_ids: string[] }>))).flatMap((b) => b.event_ids);
    const records = await readBack(topic, 1_000);
    expect(new Set(records.map((r) => r.event.event_id))).toEqual(new Set(ids));
    expect([503, 'refused']).toContain(late);
    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});
