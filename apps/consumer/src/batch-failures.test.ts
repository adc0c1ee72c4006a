// The batch-failure tracker: what it counts, logs and puts in /readyz, and when it stops.
import type { EachBatchPayload } from 'kafkajs';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { type BatchIdentity, createBatchFailures, reportingFailures } from './batch-failures.ts';
import { ConsumerError } from './errors.ts';
import { createMetrics } from './metrics.ts';

function postgresError(code: string, message = `SQLSTATE ${code}`): pg.DatabaseError {
  const error = new pg.DatabaseError(message, 0, 'error');
  error.code = code;
  return error;
}

function tracker() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const metrics = createMetrics({ defaultMetrics: false });
  let clock = Date.UTC(2026, 0, 1);
  const failures = createBatchFailures({ metrics, log, now: () => clock });
  const counted = async () =>
    Object.fromEntries(
      (await metrics.batchFailures.get()).values.map(({ labels, value }) => [`${labels.partition}:${labels.code}`, value]),
    );
  return { failures, lines, counted, tick: (ms: number) => (clock += ms) };
}

const batch = (partition: number, firstOffset = '10', lastOffset = '19'): BatchIdentity => ({
  topic: 'reports',
  partition,
  firstOffset,
  lastOffset,
});

describe('createBatchFailures', () => {
  it.each([
    ['numeric value out of range (22003)', postgresError('22003'), '22003'],
    ['invalid text representation (22P02)', postgresError('22P02'), '22P02'],
    ['a unique violation (23505)', postgresError('23505'), '23505'],
    ['a bug', new TypeError('x is not a function'), 'UNEXPECTED'],
  ])('reports %s: counted, logged and named in /readyz', async (_what, error, code) => {
    const { failures, lines, counted } = tracker();
    expect(failures.failed(batch(2), error)).toBe(true);
    expect(await counted()).toEqual({ [`2:${code}`]: 1 });
    expect(failures.readiness()).toMatch(new RegExp(`^partition 2 fails at offsets 10\\.\\.19 with ${code} \\(1 attempts since`));
    expect(lines).toMatchObject([{ level: 50, event: 'batch_failed', partition: 2, first_offset: '10', code, attempt: 1 }]);
  });

  it.each([
    ['a connection failure (08006)', postgresError('08006')],
    ['an administrator shutdown (57P01)', postgresError('57P01')],
    ['too many connections (53300)', postgresError('53300')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    [
      'a retry abandoned for a revoked partition',
      new ConsumerError('RETRY_ABANDONED', 'stopped', { dependency: 'postgres', retriable: true }),
    ],
  ])('does not report %s, an outage retried elsewhere', async (_what, error) => {
    const { failures, lines, counted } = tracker();
    expect(failures.failed(batch(0), error)).toBe(false);
    expect(await counted()).toEqual({});
    expect(failures.readiness()).toBe('ok');
    expect(lines).toEqual([]);
  });

  it('counts every attempt at the same batch, with the stack only the first time', async () => {
    const { failures, lines, counted, tick } = tracker();
    for (let attempt = 0; attempt < 3; attempt++) {
      failures.failed(batch(1), postgresError('22003', 'value out of range: overflow'));
      tick(5_000);
    }
    expect(await counted()).toEqual({ '1:22003': 3 });
    expect(failures.failing()).toMatchObject([{ partition: 1, firstOffset: '10', code: '22003', attempts: 3 }]);
    expect(failures.readiness()).toBe(
      'partition 1 fails at offsets 10..19 with 22003 (3 attempts since 2026-01-01T00:00:00.000Z): ' +
        'POSTGRES_REJECTED (22003): value out of range: overflow',
    );
    expect(lines.map((line) => [line.attempt, (line.err as { stack?: string } | undefined)?.stack !== undefined])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
  });

  it('starts counting attempts again for another batch of the partition', () => {
    const { failures } = tracker();
    failures.failed(batch(1, '10'), postgresError('22003'));
    failures.failed(batch(1, '10'), postgresError('22003'));
    failures.failed(batch(1, '20'), postgresError('22003'));
    expect(failures.failing()).toMatchObject([{ firstOffset: '20', attempts: 1 }]);
  });

  it('is ready again once the failing partition applies a batch, and only for that partition', () => {
    const { failures, lines } = tracker();
    failures.failed(batch(0), postgresError('22003'));
    failures.failed(batch(1), postgresError('22P02'));
    failures.applied('reports', 0);
    expect(failures.readiness()).toMatch(/^partition 1 fails .* with 22P02/);
    failures.applied('reports', 1);
    expect(failures.readiness()).toBe('ok');
    expect(lines.filter((line) => line.event === 'batch_failure_resolved').map((line) => line.partition)).toEqual([0, 1]);
  });

  it('forgets the failures of partitions assigned elsewhere', () => {
    const { failures } = tracker();
    failures.failed(batch(0), postgresError('22003'));
    failures.failed(batch(1), postgresError('22003'));
    failures.retain('reports', [1, 2]);
    expect(failures.failing().map((f) => f.partition)).toEqual([1]);
  });
});

describe('reportingFailures', () => {
  function payload(partition: number, offsets: string[]): EachBatchPayload {
    const messages = offsets.map((offset) => ({ offset }));
    return {
      batch: {
        topic: 'reports',
        partition,
        messages,
        isEmpty: () => messages.length === 0,
        firstOffset: () => messages[0]?.offset ?? null,
        lastOffset: () => messages.at(-1)?.offset ?? '-1',
      },
    } as unknown as EachBatchPayload;
  }

  it('reports a failure and rethrows the error as it was, then clears it when the partition applies', async () => {
    const { failures } = tracker();
    const overflow = postgresError('22003');
    const handle = vi.fn().mockRejectedValueOnce(overflow).mockResolvedValue(undefined);
    const reporting = reportingFailures(handle, failures);
    const failing = payload(2, ['5', '6']);
    const stopping = () => false;
    await expect(reporting(failing, stopping)).rejects.toBe(overflow);
    expect(handle).toHaveBeenCalledWith(failing, stopping);
    expect(failures.failing()).toMatchObject([{ partition: 2, firstOffset: '5', lastOffset: '6', code: '22003' }]);
    await reporting(payload(2, ['5', '6', '7']), () => false);
    expect(failures.readiness()).toBe('ok');
  });

  it.each([
    ['a TypeError (a bug)', new TypeError("Cannot read properties of undefined (reading 'offset')")],
    ['a RangeError', new RangeError('Invalid time value')],
    [
      'an error kafkajs marked not retriable',
      Object.assign(new Error('Message was too large'), { name: 'KafkaJSProtocolError', retriable: false }),
    ],
  ])(
    'hands kafkajs %s as an error it fetches the batch again on, instead of one that stops the consumer for good',
    async (_, error) => {
      const { failures } = tracker();
      const thrown = await reportingFailures(vi.fn().mockRejectedValue(error), failures)(payload(0, ['1']), () => false).catch(
        (e: unknown) => e as Error & { retriable?: unknown },
      );
      expect(thrown).toBeInstanceOf(Error);
      expect(thrown?.name).toBe('BatchFailed');
      expect(thrown?.retriable).toBeUndefined();
      expect(thrown?.cause).toBe(error);
      expect(failures.failing()).toHaveLength(1);
    },
  );

  it('takes an empty batch for no news', async () => {
    const { failures } = tracker();
    failures.failed(batch(2), postgresError('22003'));
    await reportingFailures(async () => undefined, failures)(payload(2, []), () => false);
    expect(failures.failing()).toHaveLength(1);
  });
});
