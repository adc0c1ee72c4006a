// One batch of one partition, applied to PostgreSQL in one statement, its own transaction, in one round trip
// (apply-statement.ts): lock the partition's offset row and skip what is already applied (fence.ts), claim the
// event ids and drop those counted before (dedupe.ts), upsert the aggregate deltas as sets (upsert.ts), record the
// dead letters (dead-letters.ts) and move next_offset (offsets.ts). The locked offset row is the fence: a consumer
// that lost the partition and wakes up late finds next_offset past its records and applies nothing.
import type pg from 'pg';
import type { GoodRecord, PoisonRecord } from '../decode-batch.ts';
import { APPLY_BATCH, type ApplyStatementRow, applyBatchParams } from './apply-statement.ts';
import { createOffsetsRow } from './fence.ts';

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
    let answer = await applyOnce(client, batch);
    if (answer.stored === null) {
      if (batch.logStart === 'ask') return { kind: 'no-offsets-row' };
      await createOffsetsRow(client, batch);
      answer = await applyOnce(client, batch);
    }
    return outcome(batch, answer);
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // A client whose statement failed is discarded: its connection may be the broken part.
    client.removeListener('error', onError);
    client.release(failure);
  }
}

async function applyOnce(client: pg.ClientBase, batch: BatchToApply): Promise<ApplyStatementRow> {
  // NOTE: unnamed, so planned each time with the arrays bound (a custom plan, ~1 ms): a named
  // statement switches to a generic plan after five runs, which guesses the arrays' sizes and
  // was measured 15 times slower.
  const { rows } = await client.query<ApplyStatementRow>(APPLY_BATCH, applyBatchParams(batch));
  const row = rows[0];
  if (row === undefined) throw new Error('the batch statement returned no row');
  return row;
}

/** The statement's answer as the caller's outcome. */
function outcome(batch: BatchToApply, answer: ApplyStatementRow): ApplyOutcome {
  // TRICKY: offsets below `stored` were applied by whoever held the partition before (or by
  // this consumer before a crash); applying from `stored` on keeps each record counted once.
  if (answer.stored === null) throw new Error(`no consumer_offsets row for ${batch.topic}/${batch.partition} after making it`);
  const stored = BigInt(answer.stored);
  if (stored < batch.firstOffset) return { kind: 'gap', storedNextOffset: stored, firstOffset: batch.firstOffset };
  const poison = batch.poison.filter((r) => r.offset >= stored);
  const alreadyApplied = batch.good.filter((r) => r.offset < stored).length + batch.poison.length - poison.length;
  if (stored > batch.lastOffset) {
    return { kind: 'applied', nextOffset: stored, counted: 0, duplicates: 0, alreadyApplied, rows: 0, deadLettered: [] };
  }
  // NOTE: cannot happen (the move's only condition is the fence's own verdict); were it to, the
  // statement would have committed without its offset, so say so loudly rather than go on.
  if (answer.moved === null)
    throw new Error(`the batch statement of ${batch.topic}/${batch.partition} passed the fence but moved no offset`);
  return {
    kind: 'applied',
    nextOffset: BigInt(answer.moved),
    counted: answer.counted,
    duplicates: answer.good - answer.counted,
    alreadyApplied,
    rows: answer.rows,
    deadLettered: poison.map((p) => p.code),
  };
}
