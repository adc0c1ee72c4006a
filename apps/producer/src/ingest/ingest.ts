// One ingest request, from parsed body to answer, as its steps: read its Idempotency-Key
// (idempotency-key.ts), validate and encode every event (validate-and-encode.ts), hand the records
// to the batcher (batcher.ts, which sends through send.ts), and answer 202 only once Kafka
// acknowledged them all (await-ack.ts).
import type { ProducerMetrics } from '../metrics.ts';
import { accept, type IngestAnswer, type Refusal, refuse, unavailable } from './answer.ts';
import { awaitAck } from './await-ack.ts';
import type { Batcher } from './batcher.ts';
import { idempotentEventId, readIdempotencyKey } from './idempotency-key.ts';
import { createValidateAndEncode, type NewEventId, type ValidateAndEncodeDeps } from './validate-and-encode.ts';

/** What the HTTP layer tells ingest about a request besides its events. */
export interface IngestRequest {
  /** The raw Idempotency-Key header, if sent. */
  idempotencyKey: string | string[] | undefined;
  /** The id of the API key the request was made with; null when ingest is open. */
  apiKeyId: string | null;
}

const NO_KEY: IngestRequest = { idempotencyKey: undefined, apiKeyId: null };

export interface IngestDeps extends ValidateAndEncodeDeps {
  batcher: Batcher;
  metrics: ProducerMetrics;
  ackTimeoutMs: number;
  /** True once shutdown began: new requests get 503. */
  draining: () => boolean;
}

export function createIngest(deps: IngestDeps): (inputs: unknown[], request?: IngestRequest) => Promise<IngestAnswer> {
  const { metrics } = deps;
  const validateAndEncode = createValidateAndEncode(deps);
  return async (inputs, request = NO_KEY) => {
    if (deps.draining())
      return refuse(metrics, unavailable('shutting_down', 'the producer is shutting down; retry', inputs.length, 1));
    const ids = eventIdsOf(request, inputs.length);
    if (!ids.ok) return refuse(metrics, ids.refusal);
    const encoded = await validateAndEncode(inputs, ids.newEventId);
    if (!encoded.ok) return refuse(metrics, encoded.refusal);
    const refusal = await awaitAck(deps.batcher.submit(encoded.records), deps.ackTimeoutMs, encoded.events.length);
    return refusal ? refuse(metrics, refusal) : accept(metrics, encoded.events);
  };
}

/** How the request's events without an event_id get one: derived from its Idempotency-Key, if any. */
function eventIdsOf(
  request: IngestRequest,
  events: number,
): { ok: true; newEventId: NewEventId | undefined } | { ok: false; refusal: Refusal } {
  const read = readIdempotencyKey(request.idempotencyKey);
  if (!read.ok) {
    return {
      ok: false,
      refusal: {
        status: 400,
        outcome: 'invalid',
        errors: [{ index: null, path: 'headers.idempotency-key', message: read.message }],
        events: { outcome: 'rejected', reason: 'invalid_idempotency_key', count: events },
      },
    };
  }
  const { key } = read;
  return {
    ok: true,
    newEventId: key === undefined ? undefined : (index) => idempotentEventId(key, request.apiKeyId, index),
  };
}
