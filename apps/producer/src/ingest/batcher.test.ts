import { eventually } from '@tally/testkit';
import { describe, expect, it } from 'vitest';
import { BufferFullError, createBatcher, type OutgoingRecord } from './batcher.ts';

const record = (key: string, size = 10): OutgoingRecord => ({ key, value: Buffer.alloc(size) });

/** A send the test controls: each call waits until the test settles it. */
function controlledSend() {
  const calls: { records: OutgoingRecord[]; settle: (error?: Error) => void }[] = [];
  const send = (records: OutgoingRecord[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ records, settle: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, send };
}

const until = (condition: () => boolean) => eventually('the condition', async () => condition(), 2_000, 1);

const options = { lingerMs: 5, maxRecords: 100, maxBytes: 1_000_000, maxPending: 1_000 };

describe('the send batcher', () => {
  it('coalesces concurrent submissions into one send, and resolves each', async () => {
    const { calls, send } = controlledSend();
    const batcher = createBatcher({ ...options, send });
    const a = batcher.submit([record('a'), record('b')]);
    const b = batcher.submit([record('c')]);
    await until(() => calls.length === 1);
    expect(calls[0]?.records.map((r) => r.key)).toEqual(['a', 'b', 'c']);
    calls[0]?.settle();
    await expect(Promise.all([a, b])).resolves.toEqual([undefined, undefined]);
    expect(batcher.pending()).toBe(0);
  });

  it('keeps one batch in flight and sends what queued meanwhile as the next batch', async () => {
    const { calls, send } = controlledSend();
    const batcher = createBatcher({ ...options, send });
    const first = batcher.submit([record('a')]);
    await until(() => calls.length === 1);
    const second = batcher.submit([record('b')]);
    const third = batcher.submit([record('c')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toHaveLength(1); // still waiting for the broker
    expect(batcher.pending()).toBe(3);
    calls[0]?.settle();
    await first;
    await until(() => calls.length === 2);
    expect(calls[1]?.records.map((r) => r.key)).toEqual(['b', 'c']);
    calls[1]?.settle();
    await Promise.all([second, third]);
  });

  it('rejects only the submissions of the batch that failed', async () => {
    const { calls, send } = controlledSend();
    const batcher = createBatcher({ ...options, send });
    const failed = batcher.submit([record('a')]);
    await until(() => calls.length === 1);
    const later = batcher.submit([record('b')]);
    calls[0]?.settle(new Error('broker down'));
    await expect(failed).rejects.toThrow('broker down');
    await until(() => calls.length === 2);
    calls[1]?.settle();
    await expect(later).resolves.toBeUndefined();
  });

  it('closes a batch at the record and byte limits, never splitting a submission', async () => {
    const { calls, send } = controlledSend();
    const batcher = createBatcher({ ...options, maxRecords: 3, maxBytes: 100, send });
    const all = [
      batcher.submit([record('a'), record('b')]),
      batcher.submit([record('c'), record('d')]),
      batcher.submit([record('e', 95)]),
    ];
    for (let i = 0; i < 3; i++) {
      await until(() => calls.length === i + 1);
      calls[i]?.settle();
    }
    await Promise.all(all);
    expect(calls.map((c) => c.records.map((r) => r.key).join(''))).toEqual(['ab', 'cd', 'e']);
  });

  it('refuses at once what would overfill its buffer, keeping what it holds', async () => {
    const { calls, send } = controlledSend();
    const batcher = createBatcher({ ...options, maxPending: 3, send });
    const held = batcher.submit([record('a'), record('b')]);
    await expect(batcher.submit([record('c'), record('d')])).rejects.toBeInstanceOf(BufferFullError);
    await until(() => calls.length === 1);
    calls[0]?.settle();
    await held;
    expect(calls[0]?.records).toHaveLength(2);
  });

  it('flushes without waiting for the linger, and waits for the batch in flight', async () => {
    const { calls, send } = controlledSend();
    const batcher = createBatcher({ ...options, lingerMs: 60_000, send });
    const submitted = batcher.submit([record('a')]);
    const flushed = batcher.flush();
    await until(() => calls.length === 1);
    let done = false;
    void flushed.then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(done).toBe(false);
    calls[0]?.settle();
    await flushed;
    await submitted;
  });
});
