import { eventually } from '@tally/testkit';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAssignmentSeeker } from './seek-on-assign.ts';

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

describe('seeking newly assigned partitions to PostgreSQL’s offsets', () => {
  it('pauses the partitions at once and resumes them only after seeking each to its stored offset', async () => {
    const f = fakeConsumer();
    const read = deferred<Map<number, bigint>>();
    const seeker = createAssignmentSeeker({ consumer: f.consumer, topic, readOffsets: () => read.promise, log });
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
    const seeker = createAssignmentSeeker({
      consumer: f.consumer,
      topic,
      readOffsets: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('connection refused');
        return new Map([[0, 5n]]);
      },
      log,
      maxRetryDelayMs: 1,
    });
    seeker.onAssigned([0]);
    await eventually('resumed', async () => f.calls.length === 3, 5_000, 5);
    expect(attempts).toBe(3);
    expect(f.calls).toEqual(['pause 0', 'seek 0@5', 'resume 0']);
  });

  it('leaves the seeking to a newer assignment made while PostgreSQL was read (a rebalance)', async () => {
    const f = fakeConsumer();
    const reads = [deferred<Map<number, bigint>>(), deferred<Map<number, bigint>>()];
    let n = 0;
    const seeker = createAssignmentSeeker({
      consumer: f.consumer,
      topic,
      readOffsets: () => (reads[n++] as ReturnType<typeof deferred<Map<number, bigint>>>).promise,
      log,
    });
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
    const seeker = createAssignmentSeeker({
      consumer: f.consumer,
      topic,
      readOffsets: async () =>
        new Map([
          [0, 2n],
          [1, 8n],
        ]),
      log,
    });
    seeker.onAssigned([0, 1]);
    await flush();
    expect(f.calls).toEqual(['pause 0', 'seek 0@2', 'resume 0']);
    expect([...f.paused]).toEqual([1]);
  });

  it('stops retrying when the consumer stops, leaving the partitions paused', async () => {
    const f = fakeConsumer();
    let attempts = 0;
    const seeker = createAssignmentSeeker({
      consumer: f.consumer,
      topic,
      readOffsets: async () => {
        attempts += 1;
        throw new Error('connection refused');
      },
      log,
      maxRetryDelayMs: 1,
    });
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
