import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { ConsumerError, type Dependency } from './errors.ts';
import { type RetryContext, withRetry } from './retry.ts';

function context(shouldContinue = () => true) {
  return {
    heartbeat: async () => undefined,
    shouldContinue,
    onRetry: vi.fn<(dependency: Dependency, attempt: number, error: unknown) => void>(),
  } satisfies RetryContext;
}

describe('withRetry', () => {
  it('retries an outage until the work succeeds, naming the dependency', async () => {
    const work = vi.fn().mockRejectedValueOnce(new Error('Connection terminated unexpectedly')).mockResolvedValue('done');
    const retry = context();
    await expect(withRetry(work, retry)).resolves.toBe('done');
    expect(work).toHaveBeenCalledTimes(2);
    expect(retry.onRetry).toHaveBeenCalledWith('postgres', 1, expect.any(Error));
  });

  // Issue 15, item 5: a lock held by a frozen consumer is waited out, never a failed batch.
  it('retries a lock timeout (55P03) and a session ended for idling in its transaction (25P03)', async () => {
    const sqlstate = (code: string) => Object.assign(new pg.DatabaseError(`SQLSTATE ${code}`, 0, 'error'), { code });
    const work = vi
      .fn()
      .mockRejectedValueOnce(sqlstate('55P03'))
      .mockRejectedValueOnce(sqlstate('25P03'))
      .mockResolvedValue('done');
    const retry = context();
    await expect(withRetry(work, retry)).resolves.toBe('done');
    expect(retry.onRetry.mock.calls.map(([dependency, attempt]) => [dependency, attempt])).toEqual([
      ['postgres', 1],
      ['postgres', 2],
    ]);
  }, 10_000);

  it('rethrows a failure that is not an outage as it is, without retrying', async () => {
    const bug = new TypeError('not a function');
    const retry = context();
    await expect(withRetry(() => Promise.reject(bug), retry)).rejects.toBe(bug);
    expect(retry.onRetry).not.toHaveBeenCalled();
  });

  it('gives up on an outage once the batch is no longer ours, keeping the outage as the cause', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const failure = await withRetry(
      () => Promise.reject(outage),
      context(() => false),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConsumerError);
    expect(failure).toMatchObject({ code: 'RETRY_ABANDONED', dependency: 'postgres', cause: outage });
  });
});
