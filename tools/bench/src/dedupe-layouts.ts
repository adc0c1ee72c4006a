// Layouts of the consumer's dedupe store compared: PostgreSQL bytes per stored id (today's table with its index, as the
// claims leave it and after VACUUM) and the median time of one claim of 5,000 ids (1% already seen) once today holds N.
// Each layout gets its own database (dedupe_layouts_*, dropped at the end); today is filled through its claim statement.
// Run: `pnpm --filter @tally/bench dedupe-layouts [ids, default 1000000]`.
import { randomBytes, randomUUID } from 'node:crypto';
import { CLAIM_IDS } from '@tally/db';
import type pg from 'pg';
import { databaseUrl, withClient } from './scratch.ts';
import { median, progress } from './stats.ts';

const IDS = Number(process.argv[2] ?? 1_000_000);
/** Ids in each of the 7 older days, bulk-loaded so the older-days probe walks real indexes. */
const OLDER_IDS = Number(process.env.DEDUPE_OLDER_IDS ?? IDS);
const BATCH = 5_000;
const SEEN_PER_CLAIM = BATCH / 100;
const TIMED_CLAIMS = 20;
const DAYS = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08'];
const TODAY = DAYS.at(-1) ?? '';
const OLDER = DAYS.slice(0, -1);
/** The transaction's clock: noon, far from midnight, so every claim is into today only. */
const CLOCK = `${TODAY}T12:00:00Z`;
const suffix = (day: string) => day.replaceAll('-', '');

interface Layout {
  name: string;
  /** The table today's claims fill; its primary key is `${today}_pkey`. */
  today: string;
  newId: () => string;
  schema: string;
  /** Fills an older day with n ids. */
  prefill: (day: string, n: number) => string;
  /** Some ids of the older days, as uuid text. */
  sampleOlder: string;
  /** Claims the ids; returns how many it counts as new. */
  claim: (client: pg.Client, ids: string[]) => Promise<number>;
}

// --- Layout A (and C): the consumer's own claim (@tally/db's CLAIM_IDS), as is.

const CLAIM_A = CLAIM_IDS;

function partitionedSchema(indexOptions: string): string {
  const partitions = DAYS.map(
    (day) =>
      `CREATE TABLE seen_events_${suffix(day)} PARTITION OF seen_events FOR VALUES FROM ('${day}') TO ('${day}'::date + 1);`,
  );
  return `CREATE TABLE seen_events (
  event_id uuid NOT NULL,
  seen_on  date NOT NULL,
  PRIMARY KEY (event_id, seen_on)${indexOptions}
) PARTITION BY RANGE (seen_on);
${partitions.join('\n')}`;
}

const claimRows = async (client: pg.Client, sql: string, values: unknown[]) => (await client.query(sql, values)).rowCount ?? 0;

const layoutA: Layout = {
  name: 'A (uuid, date) PK, by day',
  today: `seen_events_${suffix(TODAY)}`,
  newId: randomUUID,
  schema: partitionedSchema(''),
  prefill: (day, n) => `INSERT INTO seen_events_${suffix(day)} SELECT gen_random_uuid(), '${day}' FROM generate_series(1, ${n})`,
  sampleOlder: `SELECT event_id::text AS id FROM seen_events TABLESAMPLE BERNOULLI (1) WHERE seen_on < '${TODAY}'`,
  claim: (client, ids) => claimRows(client, CLAIM_A, [ids, CLOCK]),
};

// --- Layout C: A with a packed index and time-ordered ids (UUID v7: 48 bits of milliseconds, then random).

/** Ids at 10 a millisecond (10,000 events/s), from `start` on. */
function timeOrderedIds(start: number): () => string {
  let n = 0;
  return () => {
    const ms = (start + Math.floor(n++ / 10)).toString(16).padStart(12, '0');
    const rest = randomBytes(10).toString('hex');
    return `${ms.slice(0, 8)}-${ms.slice(8)}-7${rest.slice(0, 3)}-${rest.slice(3, 7)}-${rest.slice(7, 19)}`;
  };
}

const layoutC: Layout = {
  ...layoutA,
  name: 'C as A, fillfactor 100, v7 ids',
  newId: timeOrderedIds(Date.parse(CLOCK)),
  schema: partitionedSchema(' WITH (fillfactor = 100)'),
  prefill: (day, n) => `INSERT INTO seen_events_${suffix(day)}
SELECT (lpad(to_hex((extract(epoch FROM '${day}'::timestamptz) * 1000)::bigint + i / 10), 12, '0') || '7'
        || substr(md5(random()::text), 1, 19))::uuid, '${day}'
FROM generate_series(1, ${n}) AS i`,
};

// --- Layouts B and D: a table per day keyed by the id alone; the claim inserts into today's and probes each older one.

/** NOT EXISTS over a UNION ALL stays a per-id subplan (index probes), not an anti-join the planner may hash. */
const notInOlder = (match: string) =>
  `NOT EXISTS (\n  ${OLDER.map((day) => `SELECT 1 FROM seen_${suffix(day)} s WHERE ${match}`).join('\n  UNION ALL ')}\n)`;

const CLAIM_B = `WITH claimed AS (
  INSERT INTO seen_${suffix(TODAY)} (event_id)
  SELECT i.id FROM (SELECT DISTINCT unnest($1::uuid[]) AS id) AS i ORDER BY i.id
  ON CONFLICT DO NOTHING
  RETURNING event_id
)
SELECT c.event_id::text AS id FROM claimed c
WHERE ${notInOlder('s.event_id = c.event_id')}`;

const layoutB: Layout = {
  name: 'B uuid PK, a table per day',
  today: `seen_${suffix(TODAY)}`,
  newId: randomUUID,
  schema: DAYS.map((day) => `CREATE TABLE seen_${suffix(day)} (event_id uuid PRIMARY KEY);`).join('\n'),
  prefill: (day, n) => `INSERT INTO seen_${suffix(day)} SELECT gen_random_uuid() FROM generate_series(1, ${n})`,
  sampleOlder: OLDER.map((day) => `SELECT event_id::text AS id FROM seen_${suffix(day)} TABLESAMPLE BERNOULLI (1)`).join(
    ' UNION ALL ',
  ),
  claim: (client, ids) => claimRows(client, CLAIM_B, [ids]),
};

const CLAIM_D = `WITH claimed AS (
  INSERT INTO seen_${suffix(TODAY)} (hi, lo)
  SELECT DISTINCT i.hi, i.lo FROM unnest($1::bigint[], $2::bigint[]) AS i (hi, lo) ORDER BY i.hi, i.lo
  ON CONFLICT DO NOTHING
  RETURNING hi, lo
)
SELECT c.hi, c.lo FROM claimed c
WHERE ${notInOlder('s.hi = c.hi AND s.lo = c.lo')}`;

/** A uuid's two halves as signed bigints (decimal text, as pg sends int8). */
function halves(ids: string[]): [string[], string[]] {
  const hex = ids.map((id) => id.replaceAll('-', ''));
  const int8 = (h: string) => BigInt.asIntN(64, BigInt(`0x${h}`)).toString();
  return [hex.map((h) => int8(h.slice(0, 16))), hex.map((h) => int8(h.slice(16)))];
}

const int8Half = (uuidText: string, from: number) =>
  `('x' || substr(replace(${uuidText}, '-', ''), ${from}, 16))::bit(64)::bigint`;

const layoutD: Layout = {
  name: 'D (bigint, bigint) PK, table/day',
  today: `seen_${suffix(TODAY)}`,
  newId: randomUUID,
  schema: DAYS.map((day) => `CREATE TABLE seen_${suffix(day)} (hi bigint, lo bigint, PRIMARY KEY (hi, lo));`).join('\n'),
  prefill: (day, n) => `INSERT INTO seen_${suffix(day)}
SELECT ${int8Half('u', 1)}, ${int8Half('u', 17)} FROM (SELECT gen_random_uuid()::text AS u FROM generate_series(1, ${n})) AS g`,
  sampleOlder: OLDER.map(
    (day) =>
      `SELECT (lpad(to_hex(hi), 16, '0') || lpad(to_hex(lo), 16, '0'))::uuid::text AS id FROM seen_${suffix(day)} TABLESAMPLE BERNOULLI (1)`,
  ).join(' UNION ALL '),
  claim: (client, ids) => claimRows(client, CLAIM_D, halves(ids)),
};

// --- Measuring.

interface Size {
  ids: number;
  total: number;
  heap: number;
  index: number;
  leafFill: number;
}

interface Result {
  layout: string;
  left: Size;
  vacuumed: Size;
  fillClaimMs: number;
  claimMs: number[];
}

async function sizeOf(client: pg.Client, table: string): Promise<Size> {
  const { rows } = await client.query<Size>(
    `SELECT (SELECT count(*) FROM ${table})::float8 AS ids, pg_total_relation_size($1)::float8 AS total,
            pg_table_size($1)::float8 AS heap, pg_indexes_size($1)::float8 AS index,
            (SELECT avg_leaf_density FROM pgstatindex($2::regclass)) AS "leafFill"`,
    [table, `${table}_pkey`],
  );
  const size = rows[0];
  if (!size) throw new Error(`no size for ${table}`);
  return size;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const pick = <T>(from: T[], n: number): T[] =>
  Array.from({ length: n }, () => from[Math.floor(Math.random() * from.length)] as T);

/** Fills today to IDS ids through the claim, new ids only; returns the claims' times and some of the ids. */
async function fill(client: pg.Client, layout: Layout): Promise<{ ms: number[]; sample: string[] }> {
  const ms: number[] = [];
  const sample: string[] = [];
  for (let stored = 0; stored < IDS; stored += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, IDS - stored) }, layout.newId);
    sample.push(...ids.filter((_, i) => i % 100 === 0));
    ms.push(await timed(() => layout.claim(client, ids)));
  }
  return { ms, sample };
}

/** A claim of BATCH ids: 99% new, half of the rest counted earlier today, half on an older day. */
async function seenClaim(client: pg.Client, layout: Layout, today: string[], older: string[]): Promise<number> {
  const seen = [...pick(today, SEEN_PER_CLAIM / 2), ...older.splice(0, SEEN_PER_CLAIM / 2)];
  const ids = [...Array.from({ length: BATCH - seen.length }, layout.newId), ...seen];
  let fresh = 0;
  const ms = await timed(async () => {
    fresh = await layout.claim(client, ids);
  });
  if (fresh !== BATCH - SEEN_PER_CLAIM)
    throw new Error(`${layout.name}: counted ${fresh} of ${BATCH}, expected ${BATCH - SEEN_PER_CLAIM}`);
  return ms;
}

async function measureIn(client: pg.Client, layout: Layout): Promise<Result> {
  await client.query(`CREATE EXTENSION pgstattuple;\n${layout.schema}`);
  for (const day of OLDER) await client.query(layout.prefill(day, OLDER_IDS));
  const older = (await client.query<{ id: string }>(layout.sampleOlder)).rows.map((r) => r.id).sort(() => Math.random() - 0.5);
  progress(`${layout.name}: older days filled, filling today with ${IDS.toLocaleString('en')} ids`);
  const filled = await fill(client, layout);
  const left = await sizeOf(client, layout.today);
  const claimMs: number[] = [];
  for (let i = 0; i < TIMED_CLAIMS; i++) claimMs.push(await seenClaim(client, layout, filled.sample, older));
  await client.query(`VACUUM ${layout.today}`);
  const vacuumed = await sizeOf(client, layout.today);
  return { layout: layout.name, left, vacuumed, fillClaimMs: median(filled.ms), claimMs };
}

/** A database of this run's own: its name starts with dedupe_layouts_, and it is dropped whatever happens. */
async function inScratchDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const name = `dedupe_layouts_${randomUUID().slice(0, 8)}`;
  const admin = (sql: string) => withClient(databaseUrl('postgres'), (client) => client.query(sql));
  await admin(`CREATE DATABASE ${name}`);
  try {
    return await withClient(databaseUrl(name), work);
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

function render(results: Result[]): string {
  const perId = (s: Size, bytes: number) => (bytes / s.ids).toFixed(1);
  const header = ['layout', 'B/id', 'heap', 'index', 'leaf fill', 'B/id vacuumed', 'fill claim ms', 'claim ms p50', 'max'];
  const widths = [34, 6, 6, 6, 10, 14, 14, 13, 6];
  const rows = results.map((r) => [
    r.layout,
    perId(r.left, r.left.total),
    perId(r.left, r.left.heap),
    perId(r.left, r.left.index),
    `${r.left.leafFill.toFixed(0)}%`,
    perId(r.vacuumed, r.vacuumed.total),
    r.fillClaimMs.toFixed(1),
    median(r.claimMs).toFixed(1),
    Math.max(...r.claimMs).toFixed(1),
  ]);
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' ');
  return [line(header), ...rows.map(line)].join('\n');
}

const started = performance.now();
const results: Result[] = [];
for (const layout of [layoutA, layoutB, layoutC, layoutD]) {
  const result = await inScratchDatabase((client) => measureIn(client, layout));
  progress(`${layout.name}: claim median ${median(result.claimMs).toFixed(1)} ms`);
  results.push(result);
}
console.log(
  `today ${IDS.toLocaleString('en')} ids (claimed ${BATCH} at a time), 7 older days of ${OLDER_IDS.toLocaleString('en')}; claim = ${BATCH} ids, ${SEEN_PER_CLAIM} seen, median of ${TIMED_CLAIMS}; ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
console.log(render(results));
