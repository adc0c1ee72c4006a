// How far the pipeline has got, per partition of the report topic: what Kafka holds (high watermark), what the
// consumer group applied to PostgreSQL (next_offset, in the same transaction as the numbers), and the newest event
// time applied. /v1/freshness and /v1/stream read it.
import type { ConsumerOffsetRow } from '@tally/db';
import type { PartitionProgress } from '@tally/reports-api';
import type { Admin } from 'kafkajs';
import type pg from 'pg';

export interface Progress {
  checked_at: string;
  partitions: PartitionProgress[];
  /** Sums over the partitions. */
  ingested: number;
  applied: number;
  counted: number;
  lag: number;
  dead_letters: number;
}

export async function readProgress(
  deps: { pool: pg.Pool; admin: Admin },
  target: { topic: string; group: string },
): Promise<Progress> {
  const checkedAt = new Date();
  const [offsets, applied, deadLetters] = await Promise.all([
    deps.admin.fetchTopicOffsets(target.topic),
    deps.pool.query<Pick<ConsumerOffsetRow, 'partition' | 'next_offset' | 'events_counted' | 'newest_occurred_at'>>(
      `SELECT partition, next_offset, events_counted, newest_occurred_at FROM consumer_offsets
       WHERE consumer_group = $1 AND topic = $2`,
      [target.group, target.topic],
    ),
    deps.pool.query<{ n: string }>('SELECT count(*) AS n FROM dead_letters WHERE topic = $1', [target.topic]),
  ]);
  const byPartition = new Map(applied.rows.map((row) => [row.partition, row]));
  const partitions = offsets
    .map(({ partition, high, low }): PartitionProgress => {
      const row = byPartition.get(partition);
      const next = row ? Number(row.next_offset) : undefined;
      return {
        partition,
        high_watermark: Number(high),
        applied_offset: next ?? null,
        lag: Math.max(0, Number(high) - (next ?? Number(low))),
        events_counted: row ? Number(row.events_counted) : 0,
        newest_occurred_at: row?.newest_occurred_at?.toISOString() ?? null,
      };
    })
    .sort((a, b) => a.partition - b.partition);
  const sum = (pick: (p: PartitionProgress) => number) => partitions.reduce((total, p) => total + pick(p), 0);
  return {
    checked_at: checkedAt.toISOString(),
    partitions,
    ingested: sum((p) => p.high_watermark),
    applied: sum((p) => p.applied_offset ?? 0),
    counted: sum((p) => p.events_counted),
    lag: sum((p) => p.lag),
    dead_letters: Number(deadLetters.rows[0]?.n ?? 0),
  };
}

/**
 * The time through which every partition's events are in the numbers: a caught-up partition
 * vouches for the moment it was checked, one that lags only for the newest event it applied.
 * Null while some lagging partition has applied nothing yet.
 */
export function completeThrough(progress: Progress): string | null {
  let through = Date.parse(progress.checked_at);
  for (const p of progress.partitions) {
    if (p.lag === 0) continue;
    if (p.newest_occurred_at === null) return null;
    through = Math.min(through, Date.parse(p.newest_occurred_at));
  }
  return new Date(through).toISOString();
}
