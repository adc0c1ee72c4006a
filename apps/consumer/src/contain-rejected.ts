// Per-record containment: a batch PostgreSQL refuses because of what a record holds (SQLSTATE
// class 22, data exception, such as 22003 numeric out of range; 23, a constraint; 54, a program
// limit) would otherwise fail again at every fetch and hold back every later record of its
// partition. Instead the batch is split in halves, each applied in a transaction of its own, down to
// the single records PostgreSQL still refuses; each of those goes to the dead-letter topic with
// the reason (REJECTED_BY_POSTGRES) and is recorded as a dead letter, and the rest is counted.
// Halves are applied in offset order, so next_offset moves as it would for the whole batch.
// Anything else (an outage, a bug, a missing grant) is no record's fault: it is thrown as before and
// reported by batch-failures.ts. Past MAX_CONTAINED records in one batch the cause is not a few
// records (a constraint added by hand, say): the batch fails, `onLimit` is told, and the caller
// stops containing on that partition (limit 0) until a batch applies, so the partition stops and
// is reported rather than emptied into the dead-letter topic.
import type { KafkaMessage } from 'kafkajs';
import pg from 'pg';
import type { ApplyOutcome, BatchToApply } from './apply/apply-batch.ts';
import type { PoisonRecord } from './decode-batch.ts';

export const REJECTED_BY_POSTGRES = 'REJECTED_BY_POSTGRES';
export const MAX_CONTAINED = 10;

const RECORD_DRIVEN_SQLSTATE = /^(22|23|54)/;

/** Whether PostgreSQL refused the batch for what a record holds. */
export function isRecordDriven(error: unknown): error is pg.DatabaseError {
  if (!(error instanceof pg.DatabaseError) || typeof error.code !== 'string') return false;
  // NOTE: seen_events refusing a row (23514: no partition for today, its upkeep failed) is no
  // record's fault: every record of the day would be dead-lettered.
  if (error.table === 'seen_events' || /seen_events/.test(error.message)) return false;
  return RECORD_DRIVEN_SQLSTATE.test(error.code);
}

type Applied = Extract<ApplyOutcome, { kind: 'applied' }>;

export interface ContainDeps {
  /** Applies one (sub-)batch; outages are retried inside. */
  apply: (batch: BatchToApply) => Promise<ApplyOutcome>;
  /** Sends poison to the dead-letter topic; resolves once Kafka has it. */
  deadLetter: (records: PoisonRecord[]) => Promise<PoisonRecord[]>;
  /** The batch's Kafka record at an offset (its key, bytes and headers go to the dead-letter topic). */
  messageAt: (offset: bigint) => KafkaMessage | undefined;
  /** How many records of this batch may be dead-lettered (MAX_CONTAINED, or 0 to contain none). */
  limit: number;
  /** More records were refused than `limit` allows. */
  onLimit: () => void;
}

/** Applies the batch, containing the records PostgreSQL refuses; the outcome covers the whole batch. */
export async function applyContaining(batch: BatchToApply, deps: ContainDeps): Promise<ApplyOutcome> {
  if (deps.limit === 0) return deps.apply(batch);
  let contained = 0;

  async function applyRange(part: BatchToApply): Promise<ApplyOutcome> {
    try {
      return await deps.apply(part);
    } catch (error) {
      if (!isRecordDriven(error)) throw error;
      const records = part.good.length + part.poison.length;
      if (records > 1) return applyHalves(part);
      const [only] = part.good;
      if (only === undefined) throw error;
      if (contained >= deps.limit) {
        deps.onLimit();
        throw error;
      }
      contained++;
      const message = deps.messageAt(only.offset);
      if (message === undefined) throw error;
      const poison: PoisonRecord = {
        offset: only.offset,
        message,
        code: REJECTED_BY_POSTGRES,
        reason: `PostgreSQL refused to apply this event (SQLSTATE ${error.code}): ${error.message}`,
      };
      await deps.deadLetter([poison]);
      return deps.apply({ ...part, good: [], poison: [poison] });
    }
  }

  async function applyHalves(part: BatchToApply): Promise<ApplyOutcome> {
    const offsets = [...part.good.map((r) => r.offset), ...part.poison.map((r) => r.offset)].sort((a, b) => (a < b ? -1 : 1));
    const lastOfLeft = offsets[Math.floor(offsets.length / 2) - 1] ?? part.firstOffset;
    const left = slice(part, part.firstOffset, lastOfLeft);
    const first = await applyRange(left);
    if (first.kind !== 'applied') return first;
    const second = await applyRange(slice(part, lastOfLeft + 1n, part.lastOffset));
    return second.kind === 'applied' ? merge(first, second) : second;
  }

  return applyRange(batch);
}

/** The records of `batch` from `first` to `last` (offsets), as a batch of their own. */
function slice(batch: BatchToApply, first: bigint, last: bigint): BatchToApply {
  const within = (r: { offset: bigint }) => r.offset >= first && r.offset <= last;
  return { ...batch, firstOffset: first, lastOffset: last, good: batch.good.filter(within), poison: batch.poison.filter(within) };
}

function merge(a: Applied, b: Applied): Applied {
  return {
    kind: 'applied',
    nextOffset: b.nextOffset,
    counted: a.counted + b.counted,
    duplicates: a.duplicates + b.duplicates,
    alreadyApplied: a.alreadyApplied + b.alreadyApplied,
    rows: a.rows + b.rows,
    deadLettered: [...a.deadLettered, ...b.deadLettered],
  };
}
