// Ingest step 3: wait until Kafka acknowledged (acks=all) the batch that carried a request's
// records, at most PRODUCER_ACK_TIMEOUT_MS. A failure is a 503 refusal, chosen by the error's code.
import { codeOf, ProducerError } from '../errors.ts';
import { type Refusal, unavailable } from './answer.ts';

export class AckTimeout extends ProducerError {
  constructor(ms: number) {
    super('ACK_TIMEOUT', `Kafka did not acknowledge within ${ms} ms`);
    this.name = 'AckTimeout';
  }
}

/** Undefined once acknowledged; otherwise the refusal to answer with. */
export async function awaitAck(acknowledged: Promise<void>, ackTimeoutMs: number, events: number): Promise<Refusal | undefined> {
  try {
    await withTimeout(acknowledged, ackTimeoutMs);
    return undefined;
  } catch (error) {
    return refusalFor(error, ackTimeoutMs, events);
  }
}

export function refusalFor(error: unknown, ackTimeoutMs: number, events: number): Refusal {
  switch (codeOf(error)) {
    case 'BUFFER_FULL':
      return unavailable('buffer_full', 'the producer is at capacity; retry', events, 1);
    case 'ACK_TIMEOUT':
      // The events may still reach Kafka; a client retry is then dropped by event_id downstream.
      return unavailable('ack_timeout', `Kafka did not acknowledge within ${ackTimeoutMs} ms; retry`, events, 5);
    default:
      return unavailable('kafka_error', `Kafka refused the events (${(error as Error).message}); retry`, events, 5);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AckTimeout(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
