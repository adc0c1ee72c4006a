// Where a newly assigned partition starts reading: PostgreSQL's next_offset, in force before the
// partition's first fetch, and only if Kafka's log is the one that offset came from. On each
// assignment the partitions are paused, PostgreSQL's offsets and Kafka's log (cluster id, each
// partition's start and end) read (retried for as long as either is away), each partition judged
// (log-identity/judge.ts) and sought, or stopped, and only then are the others resumed.
// Kafka's committed offset is never where reading starts: it may trail PostgreSQL's (a crash
// between the two commits), and a member reading from it would dead-letter old poison again.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import type { LogIdentityGuard } from './log-identity/guard.ts';
import { judgePosition, type StoredPosition } from './log-identity/judge.ts';

/** Kafka's side: the cluster's id and each partition's log start and end (high watermark). */
export interface KafkaLog {
  clusterId: string;
  partitions: Map<number, { start: bigint; end: bigint }>;
}

export interface AssignmentSeeker {
  /** Call from GROUP_JOIN with the partitions of the topic this member now holds. */
  onAssigned(partitions: number[]): void;
  /** Judges again stopped partitions whose flag an operator cleared (`pnpm consumer:offsets reset`). */
  reconsider(partitions: number[]): void;
  /** Assigned partitions still paused until PostgreSQL's offsets are read (for readiness). */
  waiting(): number[];
  /** Abandons a seek in progress (the consumer is stopping). */
  stop(): void;
}

export function createAssignmentSeeker(deps: {
  consumer: Pick<Consumer, 'pause' | 'resume' | 'seek' | 'paused'>;
  topic: string;
  /** PostgreSQL's position per partition of the topic (partitions never applied are absent). */
  readStored: () => Promise<Map<number, StoredPosition>>;
  readLog: () => Promise<KafkaLog>;
  identity: LogIdentityGuard;
  log: Logger;
  maxRetryDelayMs?: number;
}): AssignmentSeeker {
  const { consumer, topic, readStored, readLog, identity, log, maxRetryDelayMs = 5_000 } = deps;
  let generation = 0;
  let stopped = false;
  let assigned: number[] = [];
  /** Partitions this seeker paused and has not resumed (or stopped) yet. */
  const held = new Set<number>();

  async function read(hold: number[]): Promise<{ stored: Map<number, StoredPosition>; kafka: KafkaLog }> {
    const [stored, kafka] = await Promise.all([readStored(), readLog()]);
    const unknown = hold.filter((p) => !kafka.partitions.has(p));
    if (unknown.length > 0) throw new Error(`Kafka reported no log for ${topic} partitions ${unknown.join(', ')}`);
    return { stored, kafka };
  }

  async function judgeThenResume(mine: number, hold: number[]): Promise<void> {
    const superseded = () => stopped || mine !== generation;
    let now: Awaited<ReturnType<typeof read>> | undefined;
    for (let delayMs = Math.min(200, maxRetryDelayMs); now === undefined; delayMs = Math.min(delayMs * 2, maxRetryDelayMs)) {
      if (superseded()) return;
      try {
        now = await read(hold);
      } catch (error) {
        // NOTE: the partitions stay paused: reading from Kafka's position instead is what this
        // module exists to prevent. kafkajs keeps heartbeating while every partition is paused.
        log.warn(
          { event: 'stored_offsets_read_failed', topic, partitions: hold, retry_in_ms: delayMs, err: error },
          'could not read the offsets to seek to from PostgreSQL, or the log from Kafka; partitions stay paused',
        );
        await sleep(delayMs);
      }
    }
    // TRICKY: a newer assignment (a rebalance while PostgreSQL was read) paused its own partitions
    // and seeks them itself; resuming here would let them fetch before that seek.
    if (superseded()) return;
    const { stored, kafka } = now;
    identity.observedCluster(kafka.clusterId);
    const resume: number[] = [];
    const where: Record<number, string> = {};
    for (const partition of hold) {
      const position = stored.get(partition);
      const logNow = kafka.partitions.get(partition);
      if (logNow === undefined) continue; // read() made sure it is not
      const verdict = judgePosition(position, { clusterId: kafka.clusterId, ...logNow });
      if (verdict.kind === 'stop') {
        // Stays paused; the guard reports it and flags the row (unless the flag is why).
        identity.stop(partition, verdict.mismatch, position?.nextOffset, position?.mismatch != null);
        where[partition] = `stopped (${verdict.mismatch.code})`;
        continue;
      }
      if (verdict.kind === 'resume') {
        // TRICKY: seek takes the next record to read, which is next_offset, or the last applied
        // record's offset when that record is to be checked: read again, the fence skips it as
        // applied (kafkajs turns a seek into "resolved up to offset - 1" locally with autoCommit
        // off; nothing is committed). No row: never applied, so Kafka's committed offset or the
        // earliest is right.
        consumer.seek({ topic, partition, offset: String(verdict.offset) });
        if (verdict.verify !== null && position !== undefined) identity.expect(partition, verdict.verify, position.nextOffset);
      }
      where[partition] = verdict.kind === 'resume' ? String(verdict.offset) : 'kafka';
      resume.push(partition);
    }
    if (resume.length > 0) consumer.resume([{ topic, partitions: resume }]);
    for (const partition of hold) held.delete(partition);
    log.info({ event: 'partitions_sought', topic, offsets: where }, 'assigned partitions resume at PostgreSQL’s offsets');
  }

  function start(mine: number, hold: number[]): void {
    void judgeThenResume(mine, hold).catch((error: unknown) =>
      log.error({ event: 'seek_on_assign_failed', topic, partitions: hold, err: error }, 'could not seek assigned partitions'),
    );
  }

  return {
    onAssigned(partitions) {
      const mine = ++generation;
      assigned = partitions;
      identity.assigned(partitions);
      // TRICKY: kafkajs emits GROUP_JOIN synchronously inside its join, before the runner's first
      // fetch of the new assignment, so a pause made here is in force for that fetch (kafkajs
      // 2.2.4 consumerGroup.js: joinAndSync emits, then runner.start schedules the fetches; a
      // fetch response for a paused partition is dropped too). Pauses outlive a rebalance in
      // kafkajs, so a partition paused for another reason (an offset gap) is left paused; one
      // stopped for its log is judged again (its flag in PostgreSQL keeps it stopped).
      const pausedElsewhere = new Set(
        consumer
          .paused()
          .filter((tp) => tp.topic === topic)
          .flatMap((tp) => tp.partitions)
          .filter((p) => !held.has(p) && !identity.isStopped(p)),
      );
      const hold = partitions.filter((p) => !pausedElsewhere.has(p));
      if (hold.length === 0) return;
      consumer.pause([{ topic, partitions: hold }]);
      for (const partition of hold) {
        identity.release(partition);
        held.add(partition);
      }
      start(mine, hold);
    },
    reconsider(partitions) {
      const hold = partitions.filter((p) => assigned.includes(p) && identity.isStopped(p) && !held.has(p));
      if (hold.length === 0) return;
      // Still paused from their stop.
      for (const partition of hold) {
        identity.release(partition);
        held.add(partition);
      }
      log.info(
        { event: 'partitions_reconsidered', topic, partitions: hold },
        'stopped partitions were reset; judging them again',
      );
      start(generation, hold);
    },
    waiting: () => assigned.filter((p) => held.has(p)),
    stop() {
      stopped = true;
    },
  };
}
