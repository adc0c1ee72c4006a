// The batch statement: one round trip applies a partition's batch, its steps written as the statement's WITH
// clauses, each in the file named for it: the fence on the offsets row (fence.ts), the dedupe claim (dedupe.ts),
// the aggregate upserts (upsert.ts), the dead letters (dead-letters.ts) and the offset move (offsets.ts). Run alone
// (no BEGIN), it is its own transaction: nothing holds a transaction open between round trips.
import type { BatchToApply } from './apply-batch.ts';
import { deadLetterStep } from './dead-letters.ts';
import { claimSteps } from './dedupe.ts';
import { fenceSteps } from './fence.ts';
import { type BatchIdentity, identityParams, moveOffsetStep } from './offsets.ts';
import { aggregateSteps } from './upsert.ts';

const ROW = 'consumer_group = $1 AND topic = $2 AND partition = $3';

// TRICKY: \`counted\` (each new id's first record) is a window over the records and the new ids, not
// a join of the two: the planner guesses \`fresh\` holds one row and joined by nested loop, quadratic
// in the batch (measured: 180 ms instead of 10 for 1,500 events).
export const APPLY_BATCH = `WITH ${fenceSteps(ROW, '$4::bigint', '$5::bigint')},
events AS (
  SELECT e.o, e.id, e.u, e.a, '1970-01-01T00:00:00Z'::timestamptz + e.ms * interval '1 millisecond' AS t, e.v
  FROM unnest($6::bigint[], $7::uuid[], $8::text[], $9::text[], $10::bigint[], $11::float8[]) AS e(o, id, u, a, ms, v)
  WHERE e.o >= (SELECT stored FROM go)
),
${claimSteps('SELECT DISTINCT id FROM events', 'NULL')},
counted AS (
  SELECT x.u, x.a, x.t, x.v FROM (
    SELECT m.*, bool_or(m.new) OVER w AS is_new, row_number() OVER (w ORDER BY m.o) AS nth
    FROM (SELECT e.id, e.o, e.u, e.a, e.t, e.v, false AS new FROM events e
          UNION ALL SELECT f.event_id, NULL, NULL, NULL, NULL, NULL, true FROM fresh f) AS m
    WINDOW w AS (PARTITION BY m.id)
  ) AS x
  WHERE x.is_new AND x.nth = 1 AND x.o IS NOT NULL
),
${aggregateSteps('counted', '$3::integer')},
poison AS (
  SELECT * FROM unnest($12::bigint[], $13::text[], $14::text[]) AS p(o, code, reason)
),
${deadLetterStep('poison', 'go', '$2::text', '$3::integer')},
${moveOffsetStep('counted', 'go', {
  row: ROW,
  nextOffset: '$5::bigint + 1',
  clusterId: '$15::text',
  lastRecordOffset: '$16::bigint',
  lastRecordTimestamp: '$17::timestamptz',
  lastRecordHash: '$18::bytea',
})}
SELECT (SELECT next_offset FROM fence) AS stored, (SELECT next_offset FROM moved) AS moved,
       (SELECT count(*) FROM events)::int AS good, (SELECT count(*) FROM counted)::int AS counted,
       (SELECT count(*) FROM minutes)::int AS rows`;

/** What the statement answers: the fence's next_offset (null: no row), the moved one (null: not moved), counts. */
export interface ApplyStatementRow {
  stored: string | null;
  moved: string | null;
  good: number;
  counted: number;
  rows: number;
}

/**
 * The statement's parameters: the batch's key and span, its records as arrays, the log's identity.
 * TRICKY: `logIdentity` rides on the batch object the handler passes to applyBatch. Absent (a
 * handler driven without a group loop), the identity stays as it was.
 */
export function applyBatchParams(batch: BatchToApply & { logIdentity?: BatchIdentity }): unknown[] {
  const { good, poison } = batch;
  return [
    batch.group,
    batch.topic,
    batch.partition,
    String(batch.firstOffset),
    String(batch.lastOffset),
    good.map((r) => String(r.offset)),
    good.map((r) => r.event.event_id),
    good.map((r) => r.event.user_id),
    good.map((r) => r.event.action),
    good.map((r) => r.event.occurred_at),
    good.map((r) => r.event.value),
    poison.map((p) => String(p.offset)),
    poison.map((p) => p.code),
    poison.map((p) => p.reason),
    ...identityParams(batch),
  ];
}
