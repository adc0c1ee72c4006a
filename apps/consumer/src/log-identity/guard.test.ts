import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.ts';
import { fingerprintOf } from './fingerprint.ts';
import { createLogIdentityGuard } from './guard.ts';

const topic = 'reports';
const log = pino({ level: 'silent' });

const message = (offset: number, value = `old-${offset}`) => ({
  offset: String(offset),
  timestamp: '1796234409989',
  key: Buffer.from('k'),
  value: Buffer.from(value),
  attributes: 0,
  headers: {},
});

/** A kafkajs batch of partition 0 holding `offsets`, the log ending at `highWatermark`. */
const batchOf = (offsets: number[], highWatermark: number, value?: (o: number) => string) =>
  ({
    topic,
    partition: 0,
    highWatermark: String(highWatermark),
    messages: offsets.map((o) => message(o, value?.(o))),
  }) as never;

/** A guard over a consumer and a PostgreSQL that record what they are asked. */
function setup(rows: { partition: number; next_offset: string; log_mismatch: string | null }[] = []) {
  const calls: string[] = [];
  const metrics = createMetrics({ defaultMetrics: false });
  const guard = createLogIdentityGuard({
    consumer: {
      pause: (tps) => calls.push(`pause ${tps[0]?.partitions?.join(',')}`),
      seek: ({ partition, offset }) => calls.push(`seek ${partition}@${offset}`),
    },
    pool: {
      query: (async (text: string) => {
        if (text.startsWith('UPDATE')) {
          calls.push('flag');
          return { rowCount: rows.some((r) => r.log_mismatch === null) ? 1 : 0, rows: [] };
        }
        const full = rows.map((r) => ({
          ...r,
          kafka_cluster_id: 'A',
          last_record_offset: null,
          last_record_timestamp: null,
          last_record_hash: null,
        }));
        return { rowCount: full.length, rows: full };
      }) as never,
    },
    group: 'g',
    topic,
    log,
    metrics,
  });
  guard.assigned([0, 1]);
  return { guard, calls, metrics };
}

describe('the guard of a partition’s log', () => {
  it('lets a batch through that holds the very record the partition was sought back to', () => {
    const { guard, calls } = setup();
    guard.expect(0, fingerprintOf(message(49)), 50n);
    expect(guard.admits(batchOf([49, 50, 51], 52))).toBe(true);
    expect(guard.isStopped(0)).toBe(false);
    expect(calls).toEqual([]);
  });

  it('stops the partition when the record there is another one (a recreated topic), and says how to resolve it', async () => {
    const { guard, calls, metrics } = setup();
    guard.expect(0, fingerprintOf(message(49)), 50n);
    expect(guard.admits(batchOf([48, 49, 50], 80, (o) => `new-${o}`))).toBe(false);
    expect(guard.isStopped(0)).toBe(true);
    expect(calls).toEqual(['pause 0', 'flag']);
    expect(guard.readiness()).toMatch(
      /^reports\/0 stopped, .*record at offset 49 is not the one applied.*resolve: pnpm consumer:offsets show, then pnpm consumer:offsets reset --to earliest\|latest\|<offset> --partition 0$/,
    );
    expect(await metrics.registry.metrics()).toMatch(
      /tally_consumer_log_mismatches_total\{topic="reports",partition="0",reason="record"\} 1/,
    );
    expect(await metrics.registry.metrics()).toMatch(/tally_consumer_partitions_stopped\{topic="reports"\} 1/);
    // A batch fetched before the pause is not used either.
    expect(guard.admits(batchOf([51], 80))).toBe(false);
  });

  it('keeps the expectation through batches that do not hold the record', () => {
    const { guard } = setup();
    guard.expect(0, fingerprintOf(message(49)), 50n);
    expect(guard.admits(batchOf([10, 11], 100))).toBe(true);
    expect(guard.admits(batchOf([49], 100, () => 'new'))).toBe(false);
  });

  it('stops the partition when the log ends below next_offset, and only then', () => {
    const { guard, calls } = setup();
    expect(guard.afterApplied(batchOf([0, 1], 50), 50n)).toBe(true);
    expect(guard.afterApplied(batchOf([0, 1], 20), 50n)).toBe(false);
    expect(guard.readiness()).toMatch(/the log ends at offset 20, below PostgreSQL's next_offset 50/);
    expect(calls).toEqual(['pause 0', 'flag']);
  });

  it('after a failed fetch, seeks each partition back to its last applied record and checks it', () => {
    const { guard, calls } = setup();
    expect(guard.afterApplied(batchOf([40, 41], 42), 42n)).toBe(true);
    guard.fetchStarted(1);
    guard.fetchDone(1);
    guard.fetchStarted(1); // the one before finished: nothing to check
    expect(calls).toEqual([]);
    guard.fetchStarted(1); // the one before never finished
    expect(calls).toEqual(['seek 0@41']);
    expect(guard.admits(batchOf([41, 42], 90, (o) => `new-${o}`))).toBe(false);
  });

  it('finds a stopped partition cleared once its flag is gone from PostgreSQL, not before', async () => {
    const rows = [{ partition: 0, next_offset: '50', log_mismatch: 'log_end: …' as string | null }];
    const { guard } = setup(rows);
    guard.stop(0, { code: 'log_end', detail: '…' }, 50n);
    expect(await guard.cleared()).toEqual([]);
    rows[0] = { partition: 0, next_offset: '0', log_mismatch: null }; // pnpm consumer:offsets reset
    expect(await guard.cleared()).toEqual([0]);
  });
});
