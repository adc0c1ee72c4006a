// One ingest request, from parsed body to answer, as its steps: validate and encode every event
// (validate-and-encode.ts), hand the records to the batcher (batcher.ts, which sends through
// send.ts), and answer 202 only once Kafka acknowledged them all (await-ack.ts).
import type { ProducerMetrics } from '../metrics.ts';
import { accept, type IngestAnswer, refuse, unavailable } from './answer.ts';
import { awaitAck } from './await-ack.ts';
import type { Batcher } from './batcher.ts';
import { createValidateAndEncode, type ValidateAndEncodeDeps } from './validate-and-encode.ts';

export interface IngestDeps extends ValidateAndEncodeDeps {
  batcher: Batcher;
  metrics: ProducerMetrics;
  ackTimeoutMs: number;
  /** True once shutdown began: new requests get 503. */
  draining: () => boolean;
}

export function createIngest(deps: IngestDeps): (inputs: unknown[]) => Promise<IngestAnswer> {
  const { metrics } = deps;
  const validateAndEncode = createValidateAndEncode(deps);
  return async (inputs) => {
    if (deps.draining())
      return refuse(metrics, unavailable('shutting_down', 'the producer is shutting down; retry', inputs.length, 1));
    const encoded = await validateAndEncode(inputs);
    if (!encoded.ok) return refuse(metrics, encoded.refusal);
    const refusal = await awaitAck(deps.batcher.submit(encoded.records), deps.ackTimeoutMs, encoded.events.length);
    return refusal ? refuse(metrics, refusal) : accept(metrics, encoded.events);
  };
}
