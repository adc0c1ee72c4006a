// Ingest step 2: coalesces the records of many concurrent HTTP requests into few `sendBatch` calls,
// because kafkajs sends one produce request per call. A submission waits at most `lingerMs` for
// company; a batch closes early at `maxRecords` or `maxBytes`. One batch is in flight at a time:
// the next one fills while the broker acknowledges the last, which keeps the idempotent producer's
// sequence numbers in order and batches large exactly when load is high.
//
// Every submission learns the fate of its own records: its promise resolves when the batch that
// carried them was acknowledged, and rejects when that batch failed.
import { ProducerError } from '../errors.ts';

export interface OutgoingRecord {
  key: string;
  value: Buffer;
}

export interface Batcher {
  /** Rejects with BufferFullError at once when accepting the records would pass `maxPending`. */
  submit(records: OutgoingRecord[]): Promise<void>;
  /** Records queued or in flight. */
  pending(): number;
  /** Sends everything queued now, and waits until nothing is in flight. */
  flush(): Promise<void>;
}

export interface BatcherOptions {
  send: (records: OutgoingRecord[]) => Promise<void>;
  lingerMs: number;
  maxRecords: number;
  maxBytes: number;
  maxPending: number;
  /** Told about each batch sent, for metrics. */
  onBatch?: (batch: { records: number; bytes: number; seconds: number; ok: boolean }) => void;
}

export class BufferFullError extends ProducerError {
  constructor(pending: number, limit: number) {
    super('BUFFER_FULL', `the producer's buffer is full (${pending} records pending, limit ${limit})`);
    this.name = 'BufferFullError';
  }
}

interface Submission {
  records: OutgoingRecord[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createBatcher(options: BatcherOptions): Batcher {
  const queue: Submission[] = [];
  let queuedRecords = 0;
  let inFlightRecords = 0;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const sizeOf = (records: OutgoingRecord[]) => records.reduce((sum, r) => sum + r.value.length + Buffer.byteLength(r.key), 0);

  function schedule(): void {
    if (inFlight || timer || queue.length === 0) return;
    if (queuedRecords >= options.maxRecords) {
      void sendNext();
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      void sendNext();
    }, options.lingerMs);
  }

  /** Takes whole submissions up to the limits (always at least one, whatever its size). */
  function takeBatch(): Submission[] {
    const batch: Submission[] = [];
    let records = 0;
    let bytes = 0;
    while (queue.length > 0) {
      const next = queue[0] as Submission;
      const fits = records + next.records.length <= options.maxRecords && bytes + next.bytes <= options.maxBytes;
      if (batch.length > 0 && !fits) break;
      batch.push(next);
      queue.shift();
      records += next.records.length;
      bytes += next.bytes;
    }
    return batch;
  }

  function sendNext(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (inFlight) return inFlight;
    const batch = takeBatch();
    if (batch.length === 0) return Promise.resolve();
    const records = batch.flatMap((s) => s.records);
    const bytes = batch.reduce((sum, s) => sum + s.bytes, 0);
    queuedRecords -= records.length;
    inFlightRecords = records.length;
    const started = process.hrtime.bigint();
    const done = (ok: boolean) => {
      options.onBatch?.({ records: records.length, bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9, ok });
      inFlightRecords = 0;
      inFlight = undefined;
      // TRICKY: what queued meanwhile goes out at once; it has already waited a whole round trip.
      if (queue.length > 0) void sendNext();
    };
    inFlight = options.send(records).then(
      () => {
        done(true);
        for (const s of batch) s.resolve();
      },
      (error: unknown) => {
        done(false);
        for (const s of batch) s.reject(error);
      },
    );
    return inFlight;
  }

  return {
    submit(records) {
      if (records.length === 0) return Promise.resolve();
      const pendingNow = queuedRecords + inFlightRecords;
      if (pendingNow + records.length > options.maxPending) {
        return Promise.reject(new BufferFullError(pendingNow, options.maxPending));
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ records, bytes: sizeOf(records), resolve, reject });
        queuedRecords += records.length;
        schedule();
      });
    },
    pending: () => queuedRecords + inFlightRecords,
    async flush() {
      while (queue.length > 0 || inFlight) await sendNext().catch(() => undefined);
    },
  };
}
