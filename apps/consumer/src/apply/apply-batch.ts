// One batch of one partition, applied to PostgreSQL in one transaction, step by step: lock the
// partition's offset row and skip what is already applied (fence.ts), claim the event ids and drop
// those counted before (dedupe.ts), upsert the aggregate deltas as a set (upsert.ts), record the
// dead letters (dead-letters.ts) and move next_offset (offsets.ts). The locked offset row is the fence: a consumer that
// lost the partition and wakes up late finds next_offset past its records and applies nothing.
import type pg from 'pg';
import type { GoodRecord, PoisonRecord } from '../decode-batch.ts';
import { recordDeadLetters } from './dead-letters.ts';
import { claimNew } from './dedupe.ts';
import { fence } from './fence.ts';
import { moveOffset } from './offsets.ts';
import { upsertAggregates } from './upsert.ts';

export interface BatchToApply {
  group: string;
  topic: string;
  partition: number;
  firstOffset: bigint;
  lastOffset: bigint;
  /**
   * Where the partition's log starts in Kafka, for a partition without an offsets row (its row
   * starts there), or 'ask' to get `no-offsets-row` back instead and ask Kafka outside the
   * transaction. Absent: the row starts at firstOffset, for callers whose batch starts the log.
   */
  logStart?: bigint | 'ask';
  good: GoodRecord[];
  poison: PoisonRecord[];
}

export type ApplyOutcome =
  | {
      kind: 'applied';
      nextOffset: bigint;
      counted: number;
      duplicates: number;
      alreadyApplied: number;
      rows: number;
      /** Reason codes of the poison records this batch recorded as dead letters. */
      deadLettered: string[];
    }
  /**
   * Kafka offered records past PostgreSQL's next_offset: some were never applied (or their commit
   * was lost). Read again from storedNextOffset if Kafka still has it, else fail closed.
   */
  | { kind: 'gap'; storedNextOffset: bigint; firstOffset: bigint }
  /** The partition has no offsets row and the batch said `logStart: 'ask'`: nothing was done. */
  | { kind: 'no-offsets-row' };

export async function applyBatch(pool: pg.Pool, batch: BatchToApply): Promise<ApplyOutcome> {
  const client = await pool.connect();
  let failure: Error | undefined;
  // TRICKY: a checked-out client whose connection drops between two queries emits 'error', and an
  // unheard 'error' event kills the process (seen in the fault suite's PostgreSQL outage). Heard
  // here, the next query fails instead, and the batch is retried as an outage.
  const onError = (error: Error) => {
    failure = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const fenced = await fence(client, batch);
    if (fenced.kind !== 'apply') {
      await client.query('ROLLBACK');
      return fenced.outcome;
    }
    const { good, poison, alreadyApplied } = fenced;
    const counted = await claimNew(client, good);
    const rows = await upsertAggregates(client, counted, batch.partition);
    await recordDeadLetters(client, batch, poison);
    const nextOffset = await moveOffset(client, batch, counted);
    await client.query('COMMIT');
    return {
      kind: 'applied',
      nextOffset,
      counted: counted.length,
      duplicates: good.length - counted.length,
      alreadyApplied,
      rows,
      deadLettered: poison.map((p) => p.code),
    };
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A client whose transaction failed is discarded: its connection may be the broken part.
    client.removeListener('error', onError);
    client.release(failure);
  }
}
