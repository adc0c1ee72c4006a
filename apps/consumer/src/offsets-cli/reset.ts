// `pnpm consumer:offsets reset --to earliest|latest|<offset> [--partition N]`: rewrites PostgreSQL's
// next_offset for the log Kafka has now, with that log's cluster id, no last record (the consumer
// adopts the row and records one with its next batch) and no mismatch flag. While consumers of the
// group run, only partitions they stopped may be reset: moving a partition being consumed would
// count its records twice or skip them.
import type pg from 'pg';
import type { ResetTarget } from './args.ts';
import type { OffsetsView } from './inspect.ts';

export interface PlannedReset {
  partition: number;
  from: bigint | undefined;
  to: bigint;
}

/** The rows to write, or why not (nothing is written then). */
export function planReset(view: OffsetsView, to: ResetTarget, only: number | undefined): PlannedReset[] | { refused: string } {
  if (!view.topicExists) {
    return {
      refused: `Kafka has no topic ${JSON.stringify(view.topic)}: create it (or start the consumer, which does) before resetting its offsets`,
    };
  }
  const inKafka = view.partitions.filter((p) => p.log !== undefined);
  const chosen = only === undefined ? inKafka : inKafka.filter((p) => p.partition === only);
  if (chosen.length === 0) {
    return { refused: `topic ${view.topic} has no partition ${only} (it has ${inKafka.map((p) => p.partition).join(', ')})` };
  }
  if (view.members > 0) {
    const running = chosen.filter((p) => p.stored?.mismatch == null).map((p) => p.partition);
    if (running.length > 0) {
      return {
        refused:
          `consumer group ${view.group} has ${view.members} running member${view.members === 1 ? '' : 's'} and partition${running.length === 1 ? '' : 's'} ` +
          `${running.join(', ')} ${running.length === 1 ? 'is' : 'are'} not stopped: while consumers run, only partitions they stopped for a log mismatch can be reset. ` +
          'Stop the consumers first, or pass --partition for a stopped one.',
      };
    }
  }
  const plan: PlannedReset[] = [];
  for (const p of chosen) {
    const log = p.log;
    if (log === undefined) continue;
    const target = to === 'earliest' ? log.start : to === 'latest' ? log.end : to;
    if (target < log.start || target > log.end) {
      return {
        refused: `offset ${target} is outside partition ${p.partition}'s log, which holds ${log.start} to ${log.end} (its end)`,
      };
    }
    plan.push({ partition: p.partition, from: p.stored?.nextOffset, to: target });
  }
  return plan;
}

/**
 * Writes the plan in one transaction. A row flagged when planned must still be flagged (a running
 * consumer may not be consuming it meanwhile): false, and nothing written, if one is not.
 */
export async function applyReset(pool: pg.Pool, view: OffsetsView, plan: PlannedReset[]): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rowCount } = await client.query(
      `INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset, kafka_cluster_id)
         SELECT $1, $2, p, o, $5 FROM unnest($3::int[], $4::bigint[]) AS t(p, o)
       ON CONFLICT (consumer_group, topic, partition) DO UPDATE
         SET next_offset = EXCLUDED.next_offset, kafka_cluster_id = EXCLUDED.kafka_cluster_id,
             last_record_offset = NULL, last_record_timestamp = NULL, last_record_hash = NULL,
             log_mismatch = NULL, updated_at = now()
         WHERE $6 OR consumer_offsets.log_mismatch IS NOT NULL`,
      [view.group, view.topic, plan.map((p) => p.partition), plan.map((p) => String(p.to)), view.clusterId, view.members === 0],
    );
    if (rowCount !== plan.length) {
      await client.query('ROLLBACK');
      return false;
    }
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
