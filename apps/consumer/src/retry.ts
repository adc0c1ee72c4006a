import { setTimeout as sleep } from 'node:timers/promises';
import { classify, type Dependency } from './errors.ts';

/**
 * Retries an outage with exponential backoff (0.2 s doubling to 5 s) for as long as it lasts,
 * heartbeating meanwhile so the group keeps this member and its partitions. Gives up only when
 * the consumer stops or the partition moved to another member (its batch is then redelivered
 * there), or when the error is not an outage.
 */
export interface RetryContext {
  heartbeat: () => Promise<void>;
  /** False once the consumer is stopping or the batch is stale (partition revoked). */
  shouldContinue: () => boolean;
  onRetry: (dependency: Dependency, attempt: number, error: unknown) => void;
}

export class RetryAbandoned extends Error {
  constructor(cause: unknown) {
    super('stopped retrying: the consumer is stopping or the partition was reassigned', { cause });
    this.name = 'RetryAbandoned';
  }
}

export async function withRetry<T>(work: () => Promise<T>, context: RetryContext): Promise<T> {
  let delayMs = 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const { dependency, retriable } = classify(error);
      if (!retriable) throw error;
      context.onRetry(dependency, attempt, error);
      const until = Date.now() + delayMs;
      while (Date.now() < until) {
        if (!context.shouldContinue()) throw new RetryAbandoned(error);
        await context.heartbeat();
        await sleep(Math.min(1_000, until - Date.now()));
      }
      delayMs = Math.min(delayMs * 2, 5_000);
    }
  }
}
