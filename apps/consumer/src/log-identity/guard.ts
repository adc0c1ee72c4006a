// Keeps a member's partitions on the log PostgreSQL's offsets came from, while it consumes. The
// seeker (seek-on-assign.ts) judges each assigned partition (judge.ts) and tells the guard what to
// expect or to stop; the batch handler asks it before and after each batch:
//   before: a batch holding the record the partition was sought back to must hold that very record;
//   after:  the log's end (the batch's high watermark) must not be below PostgreSQL's next_offset.
// A fetch that failed (the topic deleted, a broker gone) may mean the log was swapped under the
// running consumer without a rebalance, as kafkajs neither rejoins nor reports it: each partition
// is then sought back to its last applied record, checked before anything past it is applied.
// On a mismatch the partition is paused and flagged in PostgreSQL, /readyz and a metric say so,
// and one error line names the command; a reset by that command is picked up by `cleared()`.
import type { Batch, Consumer } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type BatchIdentity, flagLogMismatch, storedPositions } from '../apply/offsets.ts';
import type { ConsumerMetrics } from '../metrics.ts';
import { fingerprintOf, type RecordFingerprint, sameRecord } from './fingerprint.ts';
import { logEndMismatch, type Mismatch, mismatchText, recordMismatch, resolveCommand } from './judge.ts';

export interface LogIdentityGuard {
  /** The identity written with a batch's next_offset (moveOffset). */
  identityOf(batch: Batch): BatchIdentity;
  /** Before a batch is used: false if the partition is stopped (now, or already). */
  admits(batch: Batch): boolean;
  /** After a batch was applied (or found applied): false if it stopped the partition. */
  afterApplied(batch: Batch, nextOffset: bigint, logEnd?: bigint): boolean;

  /** A new assignment: expectations are the seeker's to set again. */
  assigned(partitions: number[]): void;
  /** The cluster id Kafka gave when the seeker last looked. */
  observedCluster(clusterId: string): void;
  /** The partition was sought to `record`'s offset: its next batch must hold that record. */
  expect(partition: number, record: RecordFingerprint, nextOffset: bigint): void;
  /** Pauses the partition for good (until cleared). `flagged`: PostgreSQL already holds the flag. */
  stop(partition: number, mismatch: Mismatch, judgedNextOffset: bigint | undefined, flagged?: boolean): void;
  isStopped(partition: number): boolean;
  /** The seeker takes a stopped partition back to judge it again. */
  release(partition: number): void;

  /** kafkajs FETCH_START / FETCH: a fetch that never finished is a failed one. */
  fetchStarted(nodeId: number): void;
  fetchDone(nodeId: number): void;
  /** Stopped partitions PostgreSQL no longer flags (an operator reset them): to judge again. */
  cleared(): Promise<number[]>;
  /** For /readyz: 'ok', or each stopped partition with its reason and the command. */
  readiness(): string;
}

interface Stop {
  mismatch: Mismatch;
  judgedNextOffset: bigint | undefined;
  flagged: boolean;
}

interface Known {
  record: RecordFingerprint;
  nextOffset: bigint;
}

export function createLogIdentityGuard(deps: {
  consumer: Pick<Consumer, 'pause' | 'seek'>;
  pool: Pick<pg.Pool, 'query'>;
  group: string;
  topic: string;
  log: Logger;
  metrics: Pick<ConsumerMetrics, 'logMismatches' | 'partitionsStopped'>;
}): LogIdentityGuard {
  const { consumer, pool, group, topic, log, metrics } = deps;
  let clusterId: string | null = null;
  let assignedNow = new Set<number>();
  const stopped = new Map<number, Stop>();
  /** The record each partition was sought back to, to find in its next batches. */
  const expected = new Map<number, Known>();
  /** The last record applied (or verified) per partition, to seek back to after a failed fetch. */
  const lastKnown = new Map<number, Known>();
  const fetching = new Set<number>();
  /** The mismatch last reported per partition, so that judging it again does not report it again. */
  const reported = new Map<number, string>();

  const gauge = () => metrics.partitionsStopped.set({ topic }, [...stopped.keys()].filter((p) => assignedNow.has(p)).length);

  async function flag(partition: number, entry: Stop): Promise<void> {
    entry.flagged = await flagLogMismatch(
      pool,
      { group, topic, partition },
      mismatchText(entry.mismatch),
      entry.judgedNextOffset,
    );
  }

  function stop(partition: number, mismatch: Mismatch, judgedNextOffset: bigint | undefined, flagged = false): void {
    const entry: Stop = { mismatch, judgedNextOffset, flagged };
    stopped.set(partition, entry);
    expected.delete(partition);
    lastKnown.delete(partition);
    consumer.pause([{ topic, partitions: [partition] }]);
    gauge();
    // NOTE: one line and one count per stop; judged again with the same result (a rebalance, a
    // restart reading the flag), it stays quiet.
    if (reported.get(partition) !== mismatch.detail) {
      reported.set(partition, mismatch.detail);
      metrics.logMismatches.inc({ topic, partition: String(partition), reason: mismatch.code });
      log.error(
        {
          event: 'log_mismatch',
          topic,
          partition,
          reason: mismatch.code,
          detail: mismatch.detail,
          next_offset: judgedNextOffset === undefined ? null : String(judgedNextOffset),
          resolve: resolveCommand(partition),
        },
        `partition ${topic}/${partition} stopped: Kafka's log is not the one PostgreSQL's offsets came from (${mismatch.detail}). ` +
          `Nothing past it is applied or skipped. Resolve: ${resolveCommand(partition)}`,
      );
    }
    if (!flagged) {
      flag(partition, entry).catch((error: unknown) =>
        log.warn(
          { event: 'log_mismatch_flag_failed', topic, partition, err: error },
          'could not flag the partition in PostgreSQL; retrying',
        ),
      );
    }
  }

  return {
    identityOf(batch) {
      const last = batch.messages[batch.messages.length - 1];
      if (last === undefined) throw new Error('identityOf: an empty batch');
      return { clusterId, last: fingerprintOf(last) };
    },

    admits(batch) {
      const { partition } = batch;
      // A batch fetched before the stop took effect: not applied, not resolved.
      if (stopped.has(partition)) return false;
      const want = expected.get(partition);
      if (want === undefined) return true;
      // TRICKY: only a batch that holds the offset can tell. One before it (fetched before the
      // seek) or past it (retention dropped the record) is let through, the expectation kept.
      const message = batch.messages.find((m) => BigInt(m.offset) === want.record.offset);
      if (message === undefined) return true;
      const found = fingerprintOf(message);
      if (sameRecord(found, want.record)) {
        expected.delete(partition);
        return true;
      }
      stop(partition, recordMismatch(want.record, found), want.nextOffset);
      return false;
    },

    afterApplied(batch, nextOffset, logEnd) {
      const { partition } = batch;
      const end = logEnd ?? BigInt(batch.highWatermark);
      if (end < nextOffset) {
        stop(partition, logEndMismatch(end, nextOffset), nextOffset);
        return false;
      }
      const last = batch.messages[batch.messages.length - 1];
      if (last !== undefined && BigInt(last.offset) < nextOffset)
        lastKnown.set(partition, { record: fingerprintOf(last), nextOffset });
      reported.delete(partition);
      return true;
    },

    assigned(partitions) {
      assignedNow = new Set(partitions);
      expected.clear();
      lastKnown.clear();
      gauge();
    },
    observedCluster(id) {
      clusterId = id;
    },
    expect(partition, record, nextOffset) {
      expected.set(partition, { record, nextOffset });
      lastKnown.set(partition, { record, nextOffset });
    },
    stop,
    isStopped: (partition) => stopped.has(partition),
    release(partition) {
      stopped.delete(partition);
      gauge();
    },

    fetchStarted(nodeId) {
      if (fetching.has(nodeId)) {
        // The previous fetch from this broker failed. Cheap to check: one record per partition.
        const sought: number[] = [];
        for (const [partition, known] of lastKnown) {
          if (stopped.has(partition) || expected.has(partition)) continue;
          // NOTE: synchronous, in kafkajs's FETCH_START, so this very fetch starts at the record.
          consumer.seek({ topic, partition, offset: String(known.record.offset) });
          expected.set(partition, known);
          sought.push(partition);
        }
        if (sought.length > 0) {
          log.info(
            { event: 'log_identity_recheck', topic, partitions: sought, node_id: nodeId },
            'a fetch failed; each partition is read again from its last applied record, checked before anything past it',
          );
        }
      }
      fetching.add(nodeId);
    },
    fetchDone(nodeId) {
      fetching.delete(nodeId);
    },

    async cleared() {
      const mine = [...stopped.keys()].filter((p) => assignedNow.has(p));
      if (mine.length === 0) return [];
      const rows = await storedPositions(pool, group, topic, mine);
      const cleared: number[] = [];
      for (const partition of mine) {
        const entry = stopped.get(partition);
        if (entry === undefined) continue;
        const row = rows.get(partition);
        if (row?.mismatch != null) {
          entry.flagged = true;
          continue;
        }
        // Not flagged: either the flag was never written (PostgreSQL was away), or an operator
        // cleared it. Writing it now tells them apart: it fails only if the row moved since.
        if (!entry.flagged && row !== undefined) {
          await flag(partition, entry);
          if (entry.flagged) continue;
        }
        cleared.push(partition);
      }
      return cleared;
    },

    readiness() {
      const mine = [...stopped].filter(([p]) => assignedNow.has(p)).sort(([a], [b]) => a - b);
      if (mine.length === 0) return 'ok';
      return mine
        .map(
          ([partition, { mismatch }]) =>
            `${topic}/${partition} stopped, its log is not the one PostgreSQL's offsets came from (${mismatch.detail}); resolve: ${resolveCommand(partition)}`,
        )
        .join(' | ');
    },
  };
}
