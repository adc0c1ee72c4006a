import { SchemaError } from '@tally/schemas/codec';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.ts';
import { AckTimeout } from './await-ack.ts';
import { type Batcher, BufferFullError, type OutgoingRecord } from './batcher.ts';
import { idempotentEventId } from './idempotency-key.ts';
import { createIngest, type IngestDeps } from './ingest.ts';
import { MAX_EVENTS_PER_REQUEST } from './validate-and-encode.ts';

const ok = { user_id: 'u-1', action: 'login', occurred_at: 1 };

/** A batcher whose submissions settle as `outcome` says, remembering what it was handed. */
function fakeBatcher(outcome: () => Promise<void> = () => Promise.resolve()) {
  const submitted: OutgoingRecord[][] = [];
  const batcher: Batcher = {
    submit: (records) => {
      submitted.push(records);
      return outcome();
    },
    pending: () => 0,
    flush: async () => undefined,
  };
  return { batcher, submitted };
}

function ingestWith(overrides: Partial<IngestDeps> = {}) {
  const metrics = createMetrics({ defaultMetrics: false });
  const { batcher, submitted } = fakeBatcher();
  const ingest = createIngest({
    encoder: async () => (event) => Buffer.from(event.user_id),
    batcher,
    metrics,
    now: Date.now,
    ackTimeoutMs: 50,
    draining: () => false,
    ...overrides,
  });
  return { ingest, metrics, submitted };
}

describe('ingest: validate and encode → batch → acknowledged', () => {
  it('answers 202 with the event ids once the batch is acknowledged, each record keyed by user_id', async () => {
    const { ingest, metrics, submitted } = ingestWith();
    const answer = await ingest([ok, { ...ok, user_id: 'u-2' }]);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ accepted: 2, event_ids: [expect.any(String), expect.any(String)] });
    expect(submitted[0]?.map((r) => [r.key, r.value.toString()])).toEqual([
      ['u-1', 'u-1'],
      ['u-2', 'u-2'],
    ]);
    expect(await metrics.registry.metrics()).toContain('tally_producer_events_total{outcome="accepted",reason=""} 2');
  });

  it.each([
    ['no events', [], 400, 'no events: send an event object, an array of them, or NDJSON lines'],
    [
      'too many events',
      Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, () => ok),
      413,
      '1001 events; at most 1000 per request',
    ],
  ])('refuses %s as a whole, sending nothing', async (_, inputs, status, message) => {
    const { ingest, submitted } = ingestWith();
    expect(await ingest(inputs)).toEqual({ status, body: { errors: [{ index: null, path: '', message }] } });
    expect(submitted).toEqual([]);
  });

  it('refuses the whole request when one event is invalid, naming its index', async () => {
    const { ingest, metrics, submitted } = ingestWith();
    const answer = await ingest([ok, { ...ok, user_id: '' }]);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ errors: [{ index: 1, path: 'user_id', message: expect.any(String) }] });
    expect(submitted).toEqual([]);
    expect(await metrics.registry.metrics()).toContain('tally_producer_events_total{outcome="rejected",reason="invalid"} 2');
  });

  it.each([
    ['shutting down', { draining: () => true }, 'shutting_down', 1, 'the producer is shutting down; retry'],
    [
      'the registry is unreachable',
      { encoder: () => Promise.reject(new SchemaError('REGISTRY_UNAVAILABLE', 'down')) },
      'registry_unavailable',
      5,
      'the schema registry is unavailable; retry',
    ],
    [
      'the buffer is full',
      { batcher: fakeBatcher(() => Promise.reject(new BufferFullError(1, 1))).batcher },
      'buffer_full',
      1,
      'the producer is at capacity; retry',
    ],
    [
      'Kafka does not acknowledge in time',
      { batcher: fakeBatcher(() => new Promise<void>(() => undefined)).batcher },
      'ack_timeout',
      5,
      'Kafka did not acknowledge within 50 ms; retry',
    ],
    [
      'Kafka refuses the batch',
      { batcher: fakeBatcher(() => Promise.reject(new Error('broker down'))).batcher },
      'kafka_error',
      5,
      'Kafka refused the events (broker down); retry',
    ],
  ] as const)('answers 503 with Retry-After when %s', async (_, overrides, reason, retryAfterSeconds, message) => {
    const { ingest, metrics } = ingestWith(overrides);
    expect(await ingest([ok])).toEqual({
      status: 503,
      body: { errors: [{ index: null, path: '', message }] },
      retryAfterSeconds,
    });
    expect(await metrics.registry.metrics()).toContain(`tally_producer_events_total{outcome="failed",reason="${reason}"} 1`);
  });

  it('throws a codec failure that is not an outage, so the server answers 500', async () => {
    const { ingest } = ingestWith({ encoder: () => Promise.reject(new SchemaError('ENCODE_INVALID', 'bug')) });
    await expect(ingest([ok])).rejects.toThrow('bug');
  });
});

describe('ingest with an Idempotency-Key', () => {
  const idsOf = (answer: { body: unknown }) => (answer.body as { event_ids: string[] }).event_ids;
  const byEventId = { encoder: async () => (event: { event_id: string }) => Buffer.from(event.event_id) };

  it('answers a retried request with the same event ids, and sends records that carry them', async () => {
    const { ingest, submitted } = ingestWith(byEventId);
    const request = { idempotencyKey: 'order-42', apiKeyId: null };
    const first = await ingest([ok, { ...ok, user_id: 'u-2' }], request);
    const retry = await ingest([ok, { ...ok, user_id: 'u-2' }], request);
    expect(idsOf(retry)).toEqual(idsOf(first));
    expect(idsOf(first)).toEqual([idempotentEventId('order-42', null, 0), idempotentEventId('order-42', null, 1)]);
    expect(submitted.map((records) => records.map((r) => r.value.toString()))).toEqual([idsOf(first), idsOf(first)]);
  });

  it('keeps the event ids clients sent, deriving only the missing ones from their index in the request', async () => {
    const { ingest } = ingestWith();
    const own = 'F47AC10B-58CC-4372-A567-0E02B2C3D479';
    const answer = await ingest([ok, { ...ok, event_id: own }, ok], { idempotencyKey: 'k', apiKeyId: null });
    expect(idsOf(answer)).toEqual([idempotentEventId('k', null, 0), own.toLowerCase(), idempotentEventId('k', null, 2)]);
  });

  it('derives different ids for two API keys that send the same Idempotency-Key', async () => {
    const { ingest } = ingestWith();
    const a = await ingest([ok], { idempotencyKey: 'order-42', apiKeyId: 'aaaaaaaa' });
    const b = await ingest([ok], { idempotencyKey: 'order-42', apiKeyId: 'bbbbbbbb' });
    expect(idsOf(a)[0]).not.toBe(idsOf(b)[0]);
  });

  it('makes new ids for each attempt of a request without a key', async () => {
    const { ingest } = ingestWith();
    expect(idsOf(await ingest([ok]))).not.toEqual(idsOf(await ingest([ok])));
  });

  it('refuses a malformed Idempotency-Key with 400 and its reason, sending nothing', async () => {
    const { ingest, metrics, submitted } = ingestWith();
    expect(await ingest([ok, ok], { idempotencyKey: 'has space', apiKeyId: null })).toEqual({
      status: 400,
      body: {
        errors: [
          {
            index: null,
            path: 'headers.idempotency-key',
            message: 'must be letters, digits and - _ . : ~ + / = only',
          },
        ],
      },
    });
    expect(submitted).toEqual([]);
    expect(await metrics.registry.metrics()).toContain(
      'tally_producer_events_total{outcome="rejected",reason="invalid_idempotency_key"} 2',
    );
  });
});

describe('producer errors', () => {
  it.each([
    [new BufferFullError(2, 1), 'BUFFER_FULL', true],
    [new AckTimeout(10), 'ACK_TIMEOUT', true],
  ])('%s carries its code and whether retrying helps', (error, code, retriable) => {
    expect(error).toMatchObject({ code, retriable });
  });
});
