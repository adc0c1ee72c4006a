// Retries an outage with exponential backoff (0.2 s doubling to 5 s) for as long as it lasts,
// heartbeating meanwhile so the group keeps this member and its partitions. Gives up only when
// the consumer stops or the partition moved to another member (its batch is then redelivered
// there), or when errors.ts classifies the failure as not worth waiting for. Such a failure leaves
// the batch at once. kafkajs then fetches the same batch again after its own backoff (0.3 s growing
// to 5 s) for as long as it fails, since a pg error has no `retriable` field and kafkajs reads that
// as retriable (a TypeError, RangeError, ReferenceError or SyntaxError, which would stop kafkajs's
// consumer for good, is wrapped by batch-failures.ts so it is fetched again too); records PostgreSQL
// refuses for what they hold are dead-lettered instead (contain-rejected.ts). batch-failures.ts
// reports every failed attempt.
import { setTimeout as sleep } from 'node:timers/promises';
import { ConsumerError, classify, type Dependency } from './errors.ts';

export interface RetryContext {
  heartbeat: () => Promise<void>;
  /** False once the consumer is stopping or the batch is stale (partition revoked). */
  shouldContinue: () => boolean;
  onRetry: (dependency: Dependency, attempt: number, error: unknown) => void;
}

export async function withRetry<T>(work: () => Promise<T>, context: RetryContext): Promise<T> {
  let delayMs = 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const failure = classify(error);
      // TRICKY: rethrow the original, not the ConsumerError: kafkajs decides whether to retry the
      // batch from the thrown error's own `retriable` field, which a pg error does not have.
      if (!failure.retriable) throw error;
      context.onRetry(failure.dependency, attempt, error);
      const until = Date.now() + delayMs;
      while (Date.now() < until) {
        if (!context.shouldContinue()) throw retryAbandoned(failure);
        await context.heartbeat();
        await sleep(Math.min(1_000, until - Date.now()));
      }
      delayMs = Math.min(delayMs * 2, 5_000);
    }
  }
}

function retryAbandoned(failure: ConsumerError): ConsumerError {
  // NOTE: retriable, as the outage was: the batch is redelivered to whoever holds the partition.
  return new ConsumerError('RETRY_ABANDONED', 'stopped retrying: the consumer is stopping or the partition was reassigned', {
    dependency: failure.dependency,
    retriable: true,
    cause: failure.cause,
  });
}
