// Step 1 of applying a batch: lock the partition's row in consumer_offsets (creating it the first
// time, at the start of the partition's log) and decide from its next_offset what of the batch is left to apply. The row stays locked
// until the transaction ends, so two owners of one partition apply one after the other.
import type { ConsumerOffsetRow } from '@tally/db';
import type pg from 'pg';
import type { GoodRecord, PoisonRecord } from '../decode-batch.ts';
import type { ApplyOutcome, BatchToApply } from './apply-batch.ts';

export type Fenced =
  /** The records at or past next_offset, to apply now. */
  | { kind: 'apply'; good: GoodRecord[]; poison: PoisonRecord[]; alreadyApplied: number }
  /** Nothing to apply (all of it was, there is a gap, or no row and no log start): roll back and return this. */
  | { kind: 'done'; outcome: ApplyOutcome };

export async function fence(client: pg.ClientBase, batch: BatchToApply): Promise<Fenced> {
  const key = [batch.group, batch.topic, batch.partition];
  let stored = await lockRow(client, key);
  if (stored === undefined) {
    if (batch.logStart === 'ask') return { kind: 'done', outcome: { kind: 'no-offsets-row' } };
    // A partition seen for the first time starts where its log starts, not where this batch does:
    // when the commit that made its row was lost (a PostgreSQL crash), the records before this
    // batch were read but never applied, and a row made at this batch would skip them silently.
    // TRICKY: never past firstOffset: the log's start was read before this transaction, and if
    // retention moved it past records Kafka has just returned, those are still to be applied.
    const start = batch.logStart === undefined || batch.logStart > batch.firstOffset ? batch.firstOffset : batch.logStart;
    await client.query(
      'INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [...key, String(start)],
    );
    stored = (await lockRow(client, key)) ?? start;
  }

  // TRICKY: offsets below `stored` were applied by whoever held the partition before (or by
  // this consumer before a crash); applying from `stored` on keeps each record counted once.
  if (stored < batch.firstOffset) {
    return { kind: 'done', outcome: { kind: 'gap', storedNextOffset: stored, firstOffset: batch.firstOffset } };
  }
  const good = batch.good.filter((r) => r.offset >= stored);
  const poison = batch.poison.filter((r) => r.offset >= stored);
  const alreadyApplied = batch.good.length + batch.poison.length - good.length - poison.length;
  if (stored > batch.lastOffset) {
    return {
      kind: 'done',
      outcome: { kind: 'applied', nextOffset: stored, counted: 0, duplicates: 0, alreadyApplied, rows: 0, deadLettered: [] },
    };
  }
  return { kind: 'apply', good, poison, alreadyApplied };
}

/** Locks the partition's offsets row; its next_offset, or undefined without a row. */
async function lockRow(client: pg.ClientBase, key: (string | number)[]): Promise<bigint | undefined> {
  const { rows } = await client.query<Pick<ConsumerOffsetRow, 'next_offset'>>(
    'SELECT next_offset FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
    key,
  );
  return rows[0] === undefined ? undefined : BigInt(rows[0].next_offset);
}
