// Where a newly assigned partition starts reading: PostgreSQL's next_offset, in force before the
// partition's first fetch. On each assignment the partitions are paused, PostgreSQL's offsets read
// (retried for as long as PostgreSQL is away), each partition sought there, and only then resumed.
// Kafka's committed offset is never where reading starts: it may trail PostgreSQL's (a crash
// between the two commits), and a member reading from it would dead-letter old poison again.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

export interface AssignmentSeeker {
  /** Call from GROUP_JOIN with the partitions of the topic this member now holds. */
  onAssigned(partitions: number[]): void;
  /** Assigned partitions still paused until PostgreSQL's offsets are read (for readiness). */
  waiting(): number[];
  /** Abandons a seek in progress (the consumer is stopping). */
  stop(): void;
}

export function createAssignmentSeeker(deps: {
  consumer: Pick<Consumer, 'pause' | 'resume' | 'seek' | 'paused'>;
  topic: string;
  /** PostgreSQL's next_offset per partition of the topic (partitions never applied are absent). */
  readOffsets: () => Promise<Map<number, bigint>>;
  log: Logger;
  maxRetryDelayMs?: number;
}): AssignmentSeeker {
  const { consumer, topic, readOffsets, log, maxRetryDelayMs = 5_000 } = deps;
  let generation = 0;
  let stopped = false;
  let assigned: number[] = [];
  /** Partitions this seeker paused and has not resumed yet. */
  const held = new Set<number>();

  async function seekThenResume(mine: number, hold: number[]): Promise<void> {
    const superseded = () => stopped || mine !== generation;
    let stored: Map<number, bigint> | undefined;
    for (let delayMs = Math.min(200, maxRetryDelayMs); stored === undefined; delayMs = Math.min(delayMs * 2, maxRetryDelayMs)) {
      if (superseded()) return;
      try {
        stored = await readOffsets();
      } catch (error) {
        // NOTE: the partitions stay paused: reading from Kafka's position instead is what this
        // module exists to prevent. kafkajs keeps heartbeating while every partition is paused.
        log.warn(
          { event: 'stored_offsets_read_failed', topic, partitions: hold, retry_in_ms: delayMs, err: error },
          'could not read the offsets to seek to from PostgreSQL; partitions stay paused',
        );
        await sleep(delayMs);
      }
    }
    // TRICKY: a newer assignment (a rebalance while PostgreSQL was read) paused its own partitions
    // and seeks them itself; resuming here would let them fetch before that seek.
    if (superseded()) return;
    for (const partition of hold) {
      const next = stored.get(partition);
      // TRICKY: next_offset is the next record to read, which is what seek takes (kafkajs turns
      // it into "resolved up to next_offset - 1" locally, with autoCommit off; nothing is
      // committed). No row: never applied, so Kafka's committed offset or the earliest is right.
      if (next !== undefined) consumer.seek({ topic, partition, offset: String(next) });
    }
    consumer.resume([{ topic, partitions: hold }]);
    for (const partition of hold) held.delete(partition);
    log.info(
      { event: 'partitions_sought', topic, offsets: Object.fromEntries(hold.map((p) => [p, String(stored.get(p) ?? 'kafka')])) },
      'assigned partitions resume at PostgreSQL’s offsets',
    );
  }

  return {
    onAssigned(partitions) {
      const mine = ++generation;
      assigned = partitions;
      // TRICKY: kafkajs emits GROUP_JOIN synchronously inside its join, before the runner's first
      // fetch of the new assignment, so a pause made here is in force for that fetch (kafkajs
      // 2.2.4 consumerGroup.js: joinAndSync emits, then runner.start schedules the fetches; a
      // fetch response for a paused partition is dropped too). Pauses outlive a rebalance in
      // kafkajs, so a partition paused for another reason (an offset gap) is left paused.
      const pausedElsewhere = new Set(
        consumer
          .paused()
          .filter((tp) => tp.topic === topic)
          .flatMap((tp) => tp.partitions)
          .filter((p) => !held.has(p)),
      );
      const hold = partitions.filter((p) => !pausedElsewhere.has(p));
      if (hold.length === 0) return;
      consumer.pause([{ topic, partitions: hold }]);
      for (const partition of hold) held.add(partition);
      void seekThenResume(mine, hold).catch((error: unknown) =>
        log.error({ event: 'seek_on_assign_failed', topic, partitions: hold, err: error }, 'could not seek assigned partitions'),
      );
    },
    waiting: () => assigned.filter((p) => held.has(p)),
    stop() {
      stopped = true;
    },
  };
}
