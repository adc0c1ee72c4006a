// `pnpm --filter @tally/consumer profile:apply [events] [batches]`: the batch statement alone against a scratch
// database (synchronous_commit off, as the consumer runs it): the median and p90 time of one partition's batch of
// `events` new events (1,000 users, 5 actions, spread over a minute), then where PostgreSQL spends one more batch's
// time, step by step (EXPLAIN ANALYZE). For profiling the write path without Kafka; docs/performance.md quotes it.
import { randomUUID } from 'node:crypto';
import { migratedDatabase } from '@tally/testkit';
import pg from 'pg';
import { applyBatch, type BatchToApply } from '../src/apply/apply-batch.ts';
import { APPLY_BATCH, applyBatchParams } from '../src/apply/apply-statement.ts';

const EVENTS = Number(process.argv[2] ?? 7_700);
const BATCHES = Number(process.argv[3] ?? 100);
const ACTIONS = ['login', 'logout', 'purchase', 'page.view', 'job.finished'];

let next = 0n;
function batchOf(events: number): BatchToApply {
  const now = Date.now();
  const good = Array.from({ length: events }, (_, i) => ({
    offset: next + BigInt(i),
    event: {
      event_id: randomUUID(),
      user_id: String(Math.floor(Math.random() * 1_000)),
      action: ACTIONS[i % ACTIONS.length] as string,
      occurred_at: now - Math.floor(Math.random() * 60_000),
      received_at: now,
      source: 'profile',
      value: Math.random() < 0.5 ? null : Math.floor(Math.random() * 5_000),
      attributes: {},
      session_id: null,
    },
  }));
  const batch = {
    group: 'profile',
    topic: 'profile',
    partition: 0,
    firstOffset: next,
    lastOffset: next + BigInt(events - 1),
    good,
    poison: [],
  };
  next += BigInt(events);
  return batch;
}

const db = await migratedDatabase('profile');
await db.pool.query(`ALTER DATABASE ${db.name} SET synchronous_commit = off`);
const pool = new pg.Pool({ connectionString: db.url, max: 1 });
try {
  const times: number[] = [];
  for (let i = 0; i < BATCHES; i++) {
    const batch = batchOf(EVENTS);
    const started = performance.now();
    await applyBatch(pool, batch);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.floor(q * (times.length - 1))] ?? Number.NaN).toFixed(1);
  console.log(`${BATCHES} batches of ${EVENTS} events: median ${at(0.5)} ms, p90 ${at(0.9)} ms per batch`);
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE) ${APPLY_BATCH}`,
    applyBatchParams(batchOf(EVENTS)),
  );
  // The steps (WITH clauses) and their inclusive times, then PostgreSQL's totals.
  const plan = rows.map((r) => r['QUERY PLAN']);
  for (const [i, line] of plan.entries()) {
    const step = /^\s*CTE (\w+)/.exec(line)?.[1];
    const time = /actual time=[\d.]+\.\.([\d.]+)/.exec(plan[i + 1] ?? '')?.[1];
    if (step) console.log(`  ${step.padEnd(20)} ${time ?? '?'} ms`);
  }
  for (const line of plan.filter((l) => /^(Planning|Execution) Time/.test(l))) console.log(`  ${line}`);
} finally {
  await pool.end();
  await db.drop();
}
