import { SchemaError } from '@tally/schemas/codec';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.ts';
import { AckTimeout } from './await-ack.ts';
import { type Batcher, BufferFullError, type OutgoingRecord } from './batcher.ts';
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

describe('producer errors', () => {
  it.each([
    [new BufferFullError(2, 1), 'BUFFER_FULL', true],
    [new AckTimeout(10), 'ACK_TIMEOUT', true],
  ])('%s carries its code and whether retrying helps', (error, code, retriable) => {
    expect(error).toMatchObject({ code, retriable });
  });
});
