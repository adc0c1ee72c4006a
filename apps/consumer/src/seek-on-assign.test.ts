import { eventually } from '@tally/testkit';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from './log-identity/fingerprint.ts';
import { createLogIdentityGuard } from './log-identity/guard.ts';
import type { StoredPosition } from './log-identity/judge.ts';
import { createMetrics } from './metrics.ts';
import { createAssignmentSeeker, type KafkaLog } from './seek-on-assign.ts';

const topic = 'reports';

/** A consumer that records pauses, seeks and resumes, in order. */
function fakeConsumer() {
  const paused = new Set<number>();
  const calls: string[] = [];
  return {
    calls,
    paused,
    consumer: {
      pause: (tps: { topic: string; partitions?: number[] }[]) => {
        for (const p of tps[0]?.partitions ?? []) paused.add(p);
        calls.push(`pause ${tps[0]?.partitions?.join(',')}`);
      },
      resume: (tps: { topic: string; partitions?: number[] }[]) => {
        for (const p of tps[0]?.partitions ?? []) paused.delete(p);
        calls.push(`resume ${tps[0]?.partitions?.join(',')}`);
      },
      seek: ({ partition, offset }: { topic: string; partition: number; offset: string }) => {
        calls.push(`seek ${partition}@${offset}`);
      },
      paused: () => [{ topic, partitions: [...paused] }],
    },
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const log = pino({ level: 'silent' });
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Positions as rows from before the log's identity was kept: next_offset only. */
const plain = (offsets: Map<number, bigint>) =>
  new Map(
    [...offsets].map(([p, nextOffset]): [number, StoredPosition] => [
      p,
      { nextOffset, clusterId: null, last: null, mismatch: null },
    ]),
  );

/** Kafka with partitions 0-9, each log from 0 to 1,000. */
const kafkaLog = async (): Promise<KafkaLog> => ({
  clusterId: 'cluster-a',
  partitions: new Map(Array.from({ length: 10 }, (_, p) => [p, { start: 0n, end: 1_000n }])),
});

/** The seeker over a fake consumer, with a guard whose PostgreSQL writes are recorded. */
function seekerFor(
  f: ReturnType<typeof fakeConsumer>,
  readOffsets: () => Promise<Map<number, bigint>>,
  options: { maxRetryDelayMs?: number } = {},
) {
  const identity = createLogIdentityGuard({
    consumer: f.consumer,
    pool: { query: async () => ({ rowCount: 1, rows: [] }) } as never,
    group: 'g',
    topic,
    log,
    metrics: createMetrics({ defaultMetrics: false }),
  });
  return createAssignmentSeeker({
    consumer: f.consumer,
    topic,
    readStored: async () => plain(await readOffsets()),
    readLog: kafkaLog,
    identity,
    log,
    ...options,
  });
}

describe('seeking newly assigned partitions to PostgreSQL’s offsets', () => {
  it('pauses the partitions at once and resumes them only after seeking each to its stored offset', async () => {
    const f = fakeConsumer();
    const read = deferred<Map<number, bigint>>();
    const seeker = seekerFor(f, () => read.promise);
    seeker.onAssigned([0, 1, 2]);
    expect(f.calls).toEqual(['pause 0,1,2']);
    expect(seeker.waiting()).toEqual([0, 1, 2]);
    read.resolve(
      new Map([
        [0, 10n],
        [2, 7n],
      ]),
    );
    await flush();
    // Partition 1 was never applied: it starts where Kafka says.
    expect(f.calls).toEqual(['pause 0,1,2', 'seek 0@10', 'seek 2@7', 'resume 0,1,2']);
    expect(seeker.waiting()).toEqual([]);
  });

  it('keeps the partitions paused while PostgreSQL cannot be read, and seeks once it can', async () => {
    const f = fakeConsumer();
    let attempts = 0;
    const seeker = seekerFor(
      f,
      async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('connection refused');
        return new Map([[0, 5n]]);
      },
      { maxRetryDelayMs: 1 },
    );
    seeker.onAssigned([0]);
    await eventually('resumed', async () => f.calls.length === 3, 5_000, 5);
    expect(attempts).toBe(3);
    expect(f.calls).toEqual(['pause 0', 'seek 0@5', 'resume 0']);
  });

  it('leaves the seeking to a newer assignment made while PostgreSQL was read (a rebalance)', async () => {
    const f = fakeConsumer();
    const reads = [deferred<Map<number, bigint>>(), deferred<Map<number, bigint>>()];
    let n = 0;
    const seeker = seekerFor(f, () => (reads[n++] as ReturnType<typeof deferred<Map<number, bigint>>>).promise);
    seeker.onAssigned([0, 1]);
    seeker.onAssigned([1]);
    reads[0]?.resolve(
      new Map([
        [0, 3n],
        [1, 4n],
      ]),
    );
    await flush();
    expect(f.calls).toEqual(['pause 0,1', 'pause 1']);
    reads[1]?.resolve(new Map([[1, 9n]]));
    await flush();
    expect(f.calls).toEqual(['pause 0,1', 'pause 1', 'seek 1@9', 'resume 1']);
    expect(seeker.waiting()).toEqual([]);
  });

  it('leaves a partition paused for an offset gap paused', async () => {
    const f = fakeConsumer();
    f.paused.add(1);
    const seeker = seekerFor(
      f,
      async () =>
        new Map([
          [0, 2n],
          [1, 8n],
        ]),
    );
    seeker.onAssigned([0, 1]);
    await flush();
    expect(f.calls).toEqual(['pause 0', 'seek 0@2', 'resume 0']);
    expect([...f.paused]).toEqual([1]);
  });

  it('stops retrying when the consumer stops, leaving the partitions paused', async () => {
    const f = fakeConsumer();
    let attempts = 0;
    const seeker = seekerFor(
      f,
      async () => {
        attempts += 1;
        throw new Error('connection refused');
      },
      { maxRetryDelayMs: 1 },
    );
    seeker.onAssigned([0]);
    await flush();
    seeker.stop();
    const before = attempts;
    // NOTE: proving that nothing happens takes a wait; 300 ms is hundreds of 1 ms retries.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toBeLessThanOrEqual(before + 1);
    expect(f.calls).toEqual(['pause 0']);
  });
});

describe('judging the log on assignment', () => {
  const fingerprint = fingerprintOf({ offset: '9', timestamp: '1796234409989', key: Buffer.from('k'), value: Buffer.from('v') });

  function withIdentity(stored: Map<number, StoredPosition>) {
    const f = fakeConsumer();
    const flags: unknown[][] = [];
    const identity = createLogIdentityGuard({
      consumer: f.consumer,
      pool: {
        query: (async (_text: string, values: unknown[]) => {
          flags.push(values);
          return { rowCount: 1, rows: [] };
        }) as never,
      },
      group: 'g',
      topic,
      log,
      metrics: createMetrics({ defaultMetrics: false }),
    });
    const seeker = createAssignmentSeeker({
      consumer: f.consumer,
      topic,
      readStored: async () => stored,
      readLog: kafkaLog,
      identity,
      log,
    });
    return { f, flags, identity, seeker };
  }

  it('seeks to the last applied record, to check it, and resumes', async () => {
    const { f, seeker } = withIdentity(
      new Map([[0, { nextOffset: 10n, clusterId: 'cluster-a', last: fingerprint, mismatch: null }]]),
    );
    seeker.onAssigned([0]);
    await flush();
    expect(f.calls).toEqual(['pause 0', 'seek 0@9', 'resume 0']);
  });

  it('leaves a partition whose offsets came from another cluster paused, flags it, and resumes the rest', async () => {
    const { f, flags, identity, seeker } = withIdentity(
      new Map([
        [0, { nextOffset: 10n, clusterId: 'cluster-b', last: fingerprint, mismatch: null }],
        [1, { nextOffset: 4n, clusterId: null, last: null, mismatch: null }],
      ]),
    );
    seeker.onAssigned([0, 1]);
    await flush();
    expect(f.calls).toEqual(['pause 0,1', 'pause 0', 'seek 1@4', 'resume 1']);
    expect([...f.paused]).toEqual([0]);
    expect(identity.readiness()).toMatch(/^reports\/0 stopped, .*came from Kafka cluster cluster-b; this is cluster cluster-a/);
    expect(flags).toEqual([['g', topic, 0, expect.stringMatching(/^cluster: /), '10']]);
    expect(seeker.waiting()).toEqual([]);
  });

  it('judges a stopped partition again once it is reset, and resumes it', async () => {
    const stored = new Map<number, StoredPosition>([
      [0, { nextOffset: 10n, clusterId: 'cluster-b', last: null, mismatch: null }],
    ]);
    const { f, identity, seeker } = withIdentity(stored);
    seeker.onAssigned([0]);
    await flush();
    expect(identity.isStopped(0)).toBe(true);
    stored.set(0, { nextOffset: 0n, clusterId: 'cluster-a', last: null, mismatch: null }); // pnpm consumer:offsets reset
    seeker.reconsider([0]);
    await flush();
    expect(identity.isStopped(0)).toBe(false);
    expect(f.calls.slice(-2)).toEqual(['seek 0@0', 'resume 0']);
    expect(identity.readiness()).toBe('ok');
  });
});
