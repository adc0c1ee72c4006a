// The last step of applying a batch: move the partition's next_offset past the batch, in its
// statement, with the identity of the log it was read from (log-identity/). Also where the group
// loop reads those offsets, and that identity, to seek to, and where a consumer flags a partition
// whose log is not the one.
import type { ConsumerOffsetRow } from '@tally/db';
import type pg from 'pg';
import type { RecordFingerprint } from '../log-identity/fingerprint.ts';
import type { StoredPosition } from '../log-identity/judge.ts';

/** The log a batch was read from: Kafka's cluster id (null: not known) and the batch's last record. */
export interface BatchIdentity {
  clusterId: string | null;
  last: RecordFingerprint;
}

/** The SQL expressions the move step reads (apply-statement.ts binds them). */
export interface MoveInputs {
  /** Selects the partition's row: `consumer_group = … AND topic = … AND partition = …`. */
  row: string;
  nextOffset: string;
  clusterId: string;
  lastRecordOffset: string;
  lastRecordTimestamp: string;
  lastRecordHash: string;
}

/**
 * The last step of the batch statement: next_offset past the batch, its counted events added (`counted`: the
 * counted events, column t their time), the log's identity written, only when `go` (the fence's verdict) has a
 * row. Gives the new next_offset; none: not moved.
 */
export function moveOffsetStep(counted: string, go: string, input: MoveInputs): string {
  return `moved AS (
  UPDATE consumer_offsets SET next_offset = ${input.nextOffset}, events_counted = events_counted + (SELECT count(*) FROM ${counted}),
         newest_occurred_at = GREATEST(newest_occurred_at, (SELECT max(t) FROM ${counted})), updated_at = now(),
         kafka_cluster_id = COALESCE(${input.clusterId}, kafka_cluster_id),
         last_record_offset = COALESCE(${input.lastRecordOffset}, last_record_offset),
         last_record_timestamp = CASE WHEN ${input.lastRecordOffset} IS NULL THEN last_record_timestamp ELSE ${input.lastRecordTimestamp} END,
         last_record_hash = CASE WHEN ${input.lastRecordOffset} IS NULL THEN last_record_hash ELSE ${input.lastRecordHash} END
   WHERE ${input.row} AND EXISTS (SELECT 1 FROM ${go})
  RETURNING next_offset
)`;
}

/** The log identity the move step writes: none when the batch carries none, or ends before its last record. */
export function identityParams(batch: { lastOffset: bigint; logIdentity?: BatchIdentity }): unknown[] {
  const identity = batch.logIdentity;
  // NOTE: a batch applied in parts (contain-rejected.ts) carries the whole batch's last record;
  // a part that ends before it keeps the fingerprint as it was, and the last part writes it.
  const last = identity !== undefined && identity.last.offset <= batch.lastOffset ? identity.last : undefined;
  return [
    identity?.clusterId ?? null,
    last === undefined ? null : String(last.offset),
    // NOTE: a timestamp another writer set past what a Date holds is stored as unknown, not refused.
    last === undefined || !Number.isFinite(new Date(last.timestamp).getTime()) ? null : new Date(last.timestamp),
    last?.hash ?? null,
  ];
}

/** Where PostgreSQL says each partition of the topic resumes. */
export async function storedOffsets(pool: pg.Pool, group: string, topic: string): Promise<Map<number, bigint>> {
  const { rows } = await pool.query<Pick<ConsumerOffsetRow, 'partition' | 'next_offset'>>(
    'SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2',
    [group, topic],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}

type IdentityColumns = Pick<
  ConsumerOffsetRow,
  | 'partition'
  | 'next_offset'
  | 'kafka_cluster_id'
  | 'last_record_offset'
  | 'last_record_timestamp'
  | 'last_record_hash'
  | 'log_mismatch'
>;

/** Each partition's next_offset with the identity of its log, for seeking on assignment. */
export async function storedPositions(
  pool: Pick<pg.Pool, 'query'>,
  group: string,
  topic: string,
  partitions?: number[],
): Promise<Map<number, StoredPosition>> {
  const { rows } = await pool.query<IdentityColumns>(
    `SELECT partition, next_offset, kafka_cluster_id, last_record_offset, last_record_timestamp, last_record_hash, log_mismatch
       FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2 AND ($3::int[] IS NULL OR partition = ANY($3))`,
    [group, topic, partitions ?? null],
  );
  return new Map(rows.map((r) => [r.partition, positionOf(r)]));
}

export function positionOf(r: Omit<IdentityColumns, 'partition'>): StoredPosition {
  const last =
    r.last_record_offset === null || r.last_record_timestamp === null || r.last_record_hash === null
      ? null
      : { offset: BigInt(r.last_record_offset), timestamp: r.last_record_timestamp.getTime(), hash: r.last_record_hash };
  return { nextOffset: BigInt(r.next_offset), clusterId: r.kafka_cluster_id, last, mismatch: r.log_mismatch };
}

/**
 * Flags the partition as stopped for a log mismatch, unless the row changed since it was judged
 * (an operator's reset, or another member's batch): true if the flag was written.
 */
export async function flagLogMismatch(
  pool: Pick<pg.Pool, 'query'>,
  key: { group: string; topic: string; partition: number },
  mismatch: string,
  /** next_offset as judged; undefined: any. */
  judgedNextOffset: bigint | undefined,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE consumer_offsets SET log_mismatch = $4
       WHERE consumer_group = $1 AND topic = $2 AND partition = $3 AND log_mismatch IS NULL
         AND ($5::bigint IS NULL OR next_offset = $5::bigint)`,
    [key.group, key.topic, key.partition, mismatch, judgedNextOffset === undefined ? null : String(judgedNextOffset)],
  );
  return rowCount === 1;
}
