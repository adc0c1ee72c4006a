import { parseReportInput, type ReportEvent } from '@tally/schemas';
import { SchemaError } from '@tally/schemas/codec';
import { type Batcher, BufferFullError, type OutgoingRecord } from './batcher.ts';
import type { ProducerMetrics } from './metrics.ts';

/**
 * One ingest request, from parsed body to answer: validate every event (all-or-nothing), encode,
 * hand to the batcher, and answer 202 only once Kafka acknowledged every event (acks=all).
 */
export const MAX_EVENTS_PER_REQUEST = 1_000;

export interface ErrorItem {
  index: number | null;
  path: string;
  message: string;
}

export interface IngestAnswer {
  status: number;
  body: { accepted: number; event_ids: string[] } | { errors: ErrorItem[] };
  retryAfterSeconds?: number;
}

export interface IngestDeps {
  encoder: () => Promise<(event: ReportEvent) => Buffer>;
  batcher: Batcher;
  metrics: ProducerMetrics;
  now: () => number;
  ackTimeoutMs: number;
  /** True once shutdown began: new requests get 503. */
  draining: () => boolean;
}

const whole = (message: string): ErrorItem[] => [{ index: null, path: '', message }];

function unavailable(
  metrics: ProducerMetrics,
  reason: string,
  message: string,
  events: number,
  retryAfterSeconds: number,
): IngestAnswer {
  metrics.requests.inc({ outcome: 'unavailable' });
  metrics.events.inc({ outcome: 'failed', reason }, events);
  return { status: 503, body: { errors: whole(message) }, retryAfterSeconds };
}

export function createIngest(deps: IngestDeps): (inputs: unknown[]) => Promise<IngestAnswer> {
  const { metrics } = deps;
  return async (inputs) => {
    if (deps.draining()) return unavailable(metrics, 'shutting_down', 'the producer is shutting down; retry', inputs.length, 1);
    if (inputs.length === 0) {
      metrics.requests.inc({ outcome: 'invalid' });
      return { status: 400, body: { errors: whole('no events: send an event object, an array of them, or NDJSON lines') } };
    }
    if (inputs.length > MAX_EVENTS_PER_REQUEST) {
      metrics.requests.inc({ outcome: 'too_large' });
      return { status: 413, body: { errors: whole(`${inputs.length} events; at most ${MAX_EVENTS_PER_REQUEST} per request`) } };
    }

    const now = deps.now();
    const events: ReportEvent[] = [];
    const errors: ErrorItem[] = [];
    inputs.forEach((input, index) => {
      const result = parseReportInput(input, { now: () => now });
      if (result.ok) events.push(result.event);
      else for (const problem of result.problems) errors.push({ index, ...problem });
    });
    if (errors.length > 0) {
      metrics.requests.inc({ outcome: 'invalid' });
      metrics.events.inc({ outcome: 'rejected', reason: 'invalid' }, inputs.length);
      return { status: 400, body: { errors } };
    }

    let records: OutgoingRecord[];
    try {
      const encode = await deps.encoder();
      records = events.map((event) => ({ key: event.user_id, value: encode(event) }));
    } catch (error) {
      if (error instanceof SchemaError && error.retriable) {
        return unavailable(metrics, 'registry_unavailable', 'the schema registry is unavailable; retry', events.length, 5);
      }
      throw error;
    }

    try {
      await withTimeout(deps.batcher.submit(records), deps.ackTimeoutMs);
    } catch (error) {
      if (error instanceof BufferFullError) {
        return unavailable(metrics, 'buffer_full', 'the producer is at capacity; retry', events.length, 1);
      }
      if (error instanceof AckTimeout) {
        // The events may still reach Kafka; a client retry is then dropped by event_id downstream.
        return unavailable(
          metrics,
          'ack_timeout',
          `Kafka did not acknowledge within ${deps.ackTimeoutMs} ms; retry`,
          events.length,
          5,
        );
      }
      return unavailable(
        metrics,
        'kafka_error',
        `Kafka refused the events (${(error as Error).message}); retry`,
        events.length,
        5,
      );
    }
    metrics.requests.inc({ outcome: 'accepted' });
    metrics.events.inc({ outcome: 'accepted', reason: '' }, events.length);
    return { status: 202, body: { accepted: events.length, event_ids: events.map((e) => e.event_id) } };
  };
}

class AckTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AckTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
