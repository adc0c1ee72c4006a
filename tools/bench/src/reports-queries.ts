// Run by `pnpm bench` (alone: `pnpm --filter @tally/bench reports-queries`): the reports' 24-hour
// queries on 10 million aggregate rows. Fills a scratch database (1,000 users × 5 actions a
// minute for 2,000 minutes, and the hourly rollups, the per-action one as partial rows of the 12
// partitions the users hash to, folded as the consumer's upkeep leaves them: all but the last two
// hours), then times each query through the same code the API runs: median of 5 after a warm-up.
// Target: every one under 100 ms.
import { randomUUID } from 'node:crypto';
import { DEFAULTS } from '@tally/config';
import { foldHourPerAction, HOUR_PER_ACTION_SHARDS, migrate } from '@tally/db';
import { parseAggregatesQuery, parseTopQuery, queryAggregates, queryTop } from '@tally/reports/queries';
import { urlFor } from '@tally/testkit';
import pg from 'pg';

const USERS = Number(process.env.BENCH_REPORT_USERS ?? 1_000);
const MINUTES = Number(process.env.BENCH_REPORT_MINUTES ?? 2_000);
const ACTIONS = ['login', 'logout', 'page.view', 'job.finished', 'purchase'];
const END = Date.UTC(2026, 10, 24, 0, 0, 0);
const TARGET_MS = 100;

const urlOf = (database: string) => urlFor(database);
const log = (line: string) => process.stderr.write(`[bench:reports] ${line}\n`);

async function main(): Promise<void> {
  const name = `tally_bench_reports_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: urlOf('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const pool = new pg.Pool({ connectionString: urlOf(name), max: 2 });
  try {
    await migrate(urlOf(name));
    const rows = USERS * ACTIONS.length * MINUTES;
    log(`filling aggregates_minute with ${rows.toLocaleString('en')} rows and their hourly rollup`);
    const started = performance.now();
    await pool.query(
      `INSERT INTO aggregates_minute (bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at)
       SELECT b, 'user-' || u, a, 1 + (u * 7 + m) % 13, ((u + m) % 100)::float8, 1, 99, 1 + (u + m) % 5, b, b + interval '59 seconds'
       FROM generate_series(1, $1::int) AS m
       CROSS JOIN LATERAL (SELECT $3::timestamptz - m * interval '1 minute' AS b) AS t
       CROSS JOIN generate_series(1, $2::int) AS u
       CROSS JOIN unnest($4::text[]) AS a`,
      [MINUTES, USERS, new Date(END), ACTIONS],
    );
    await pool.query(
      `INSERT INTO aggregates_hour (bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at)
       SELECT date_trunc('hour', bucket_start, 'UTC'), user_id, action, sum(event_count), sum(value_sum), min(value_min), max(value_max),
              sum(value_count), min(first_occurred_at), max(last_occurred_at)
       FROM aggregates_minute GROUP BY 1, 2, 3`,
    );
    // The per-action rollup as the consumer writes it: each user's partial rows in the shard of the
    // partition the user's events are keyed to (a hash standing in for the producer's murmur2).
    for (const [table, user, action, shard] of [
      [HOUR_PER_ACTION_SHARDS, "''", 'action', `abs(hashtext(user_id)) % ${DEFAULTS.reportTopicPartitions}`],
      ['aggregates_hour_per_user', 'user_id', "''", undefined],
    ] as const) {
      await pool.query(
        `INSERT INTO ${table} (bucket_start, user_id, action, ${shard ? 'shard, ' : ''}event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at)
         SELECT bucket_start, ${user}, ${action}, ${shard ? `${shard}, ` : ''}sum(event_count), sum(value_sum), min(value_min), max(value_max),
                sum(value_count), min(first_occurred_at), max(last_occurred_at)
         FROM aggregates_hour GROUP BY ${shard ? '1, 2, 3, 4' : '1, 2, 3'}`,
      );
      if (table === HOUR_PER_ACTION_SHARDS) await foldHourPerAction(pool, new Date(END - 2 * 3_600_000));
      await pool.query(`VACUUM ANALYZE ${table}`);
    }
    // As autovacuum leaves a table whose old rows no longer change: statistics and visibility map.
    await pool.query('VACUUM ANALYZE aggregates_minute');
    await pool.query('VACUUM ANALYZE aggregates_hour');
    log(`filled in ${((performance.now() - started) / 1_000).toFixed(0)} s`);

    const to = new Date(END).toISOString();
    const from = new Date(END - 86_400_000).toISOString();
    const now = END;
    const cases: [string, () => Promise<unknown>][] = [
      [
        'aggregates, 24 h by hour, per action',
        () => queryAggregates(pool, parseAggregatesQuery({ from, to, granularity: 'hour' }, now)),
      ],
      [
        'aggregates, 24 h by hour, one action',
        () => queryAggregates(pool, parseAggregatesQuery({ from, to, granularity: 'hour', action: 'purchase' }, now)),
      ],
      [
        'aggregates, 24 h by minute, one user',
        () => queryAggregates(pool, parseAggregatesQuery({ from, to, granularity: 'minute', user_id: 'user-42' }, now)),
      ],
      [
        'aggregates, 24 h by day, all',
        () => queryAggregates(pool, parseAggregatesQuery({ from, to, granularity: 'day', group_by: 'none' }, now)),
      ],
      ['top 10 users by count, 24 h', () => queryTop(pool, parseTopQuery({ from, to, by: 'user' }, now))],
      [
        'top 10 users by sum, unaligned 24 h 30 min',
        () =>
          queryTop(pool, parseTopQuery({ from: new Date(END - 88_200_000).toISOString(), to, by: 'user', metric: 'sum' }, now)),
      ],
      ['top actions by count, 24 h', () => queryTop(pool, parseTopQuery({ from, to, by: 'action' }, now))],
    ];
    console.log(`\n${rows.toLocaleString('en')} rows in aggregates_minute; median of 5 runs after a warm-up\n`);
    console.log(`${'query'.padEnd(52)} ${'ms'.padStart(8)}  < ${TARGET_MS} ms`);
    let missed = 0;
    for (const [label, run] of cases) {
      await run();
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await run();
        times.push(performance.now() - t);
      }
      const median = times.sort((a, b) => a - b)[2] ?? Number.NaN;
      if (median >= TARGET_MS) missed += 1;
      console.log(`${label.padEnd(52)} ${median.toFixed(1).padStart(8)}  ${median < TARGET_MS ? '✓' : '✗'}`);
    }
    if (missed > 0) console.log(`\n${missed} queries at or over ${TARGET_MS} ms`);
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
