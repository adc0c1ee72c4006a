// What every scenario shares: a database, topics and group of its own, a seeded random source, and the final
// check: wait until the consumers applied everything Kafka holds (lag 0), then compare every aggregate table with
// the load ledger (`pnpm check:ledger`), the dead-letter topic and `dead_letters` with the poison injected
// (dead-letters.ts), and the load's own checks of the producer's answers; verdict() says what failed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopicAndWait } from '@tally/kafka';
import { type LedgerFile, withLanded } from '@tally/load/ledger';
import { runCheckLedger } from '@tally/load/process';
import { KAFKA_BROKERS, ROOT, seededRandom, urlFor } from '@tally/testkit';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { checkDeadLetters, type DeadLetter, readDeadLetterTopic } from './dead-letters.ts';
import { findLanded } from './landed.ts';

export interface Scenario {
  name: string;
  seed: number;
  random: () => number;
  databaseUrl: string;
  topic: string;
  deadLetterTopic: string;
  group: string;
  brokers: string[];
  ledgerFile: string;
  faults: number;
  log: (line: string) => void;
}

export interface Outcome {
  scenario: string;
  accepted: number;
  resends: number;
  counted: number;
  /** dead_letters rows. */
  deadLetters: number;
  poison: number;
  /** Records on the dead-letter topic, and how many of them are crash-window duplicates. */
  deadLetterRecords: number;
  deadLetterDuplicates: number;
  /** What was wrong with the dead letters; empty when they are exactly the poison (and its duplicates). */
  deadLetterProblems: string[];
  /** The load's edges: keyed requests sent again, events whose fate it cannot know, wrong answers. */
  keyRetries: number;
  uncertain: number;
  /** Of the uncertain events, those found on the report topic (landed.ts): they must be counted, once. */
  landed: number;
  idViolations: number;
  faults: number;
  /** Rows that differ from the ledger, over every aggregate table. */
  mismatches: number;
  seconds: number;
  details: string[];
}

/** Why a scenario failed; empty when it passed. */
export function verdict(o: Outcome): string[] {
  const problems: string[] = [];
  const expected = o.accepted + o.landed;
  if (o.counted !== expected)
    problems.push(`counted ${o.counted} of ${o.accepted} accepted${o.landed > 0 ? ` + ${o.landed} landed of unknown fate` : ''}`);
  if (o.mismatches > 0) problems.push(`${o.mismatches} aggregate rows differ from the ledger`);
  problems.push(...o.deadLetterProblems);
  if (o.idViolations > 0) problems.push(`${o.idViolations} answers with wrong event_ids`);
  return problems;
}

export const BROKERS = KAFKA_BROKERS;
const databaseUrl = (name: string) => urlFor(name);

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function prepare(name: string, seed: number, brokers = BROKERS): Promise<Scenario> {
  const id = `${name.replaceAll('-', '_')}_${seed}_${Date.now()}`;
  const database = `tally_faults_${id}`;
  await admin((client) => client.query(`CREATE DATABASE ${database}`));
  const dir = join(ROOT, '.local', 'faults');
  mkdirSync(dir, { recursive: true });
  return {
    name,
    seed,
    random: seededRandom(seed),
    databaseUrl: databaseUrl(database),
    topic: `faults-${id}`,
    deadLetterTopic: `faults-${id}.dlq`,
    group: `faults-${id}`,
    brokers,
    ledgerFile: join(dir, `ledger-${id}.json`),
    faults: 0,
    log: (line) => process.stderr.write(`[faults] ${name}: ${line}\n`),
  };
}

/** Creates the report topic up front, so producer and consumers agree on 12 partitions. */
export async function createTopic(s: Scenario, partitions = 12): Promise<void> {
  const client = new Kafka({ clientId: 'faults', brokers: s.brokers, logLevel: logLevel.NOTHING }).admin();
  await client.connect();
  await createTopicAndWait(client, s.topic, partitions);
  await client.disconnect();
}

async function topicEnd(s: Scenario): Promise<number> {
  const client = new Kafka({ clientId: 'faults', brokers: s.brokers, logLevel: logLevel.NOTHING }).admin();
  await client.connect();
  try {
    return (await client.fetchTopicOffsets(s.topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await client.disconnect();
  }
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  // A server that goes away (a crashed private cluster) also emits 'error'; the query's rejection carries it.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function scalar(url: string, sql: string): Promise<number> {
  return withClient(url, async (client) => Number((await client.query<{ n: string | null }>(sql)).rows[0]?.n ?? 0));
}

/** Lag 0: PostgreSQL applied every record Kafka holds for the topic. */
export async function waitForLagZero(s: Scenario, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const end = await topicEnd(s);
  for (;;) {
    const applied = await scalar(
      s.databaseUrl,
      `SELECT sum(next_offset) AS n FROM consumer_offsets WHERE consumer_group = '${s.group}'`,
    ).catch(() => 0);
    if (applied >= end) return;
    if (Date.now() > deadline) throw new Error(`lag not zero after ${timeoutMs} ms: applied ${applied} of ${end}`);
    await sleep(500);
  }
}

/** What the load reported besides the ledger, for the check. */
export interface LoadFigures {
  accepted: number;
  resends: number;
  keyRetries: number;
  uncertain: number;
  idViolations: number;
  violations: string[];
}

/**
 * The oracle: `pnpm check:ledger` (every aggregate table) against the scenario's database, the dead-letter topic
 * and `dead_letters` against `poison` (the records injected, by reason code), and the load's own answer checks.
 */
export async function check(
  s: Scenario,
  started: number,
  load: LoadFigures,
  poison: Readonly<Record<string, number>> = {},
): Promise<Outcome> {
  const ledger = JSON.parse(readFileSync(s.ledgerFile, 'utf8')) as LedgerFile;
  const landed = await findLanded(s.brokers, s.topic, ledger.uncertain);
  // The ledger checked: what was accepted, and the events of unknown fate that Kafka holds.
  const checkedFile = landed.length === 0 ? s.ledgerFile : s.ledgerFile.replace(/\.json$/, '.with-landed.json');
  if (landed.length > 0) writeFileSync(checkedFile, JSON.stringify(withLanded(ledger, landed)));
  const { code, output } = await runCheckLedger(checkedFile, s.databaseUrl);
  const mismatches = Number(/mismatches: (\d+)/.exec(output)?.[1] ?? Number.NaN);
  const rows = await withClient(s.databaseUrl, async (client) =>
    (
      await client.query<{ topic: string; partition: number; offset: string; reason_code: string }>(
        'SELECT topic, partition, "offset", reason_code FROM dead_letters',
      )
    ).rows.map(
      (r): DeadLetter => ({ topic: r.topic, partition: r.partition, offset: Number(r.offset), reasonCode: r.reason_code }),
    ),
  );
  const letters = checkDeadLetters(poison, rows, await readDeadLetterTopic(s.brokers, s.deadLetterTopic));
  const duplicates = letters.duplicates.reduce((sum, d) => sum + d.copies, 0);
  if (duplicates > 0) {
    const said = letters.duplicates.slice(0, 20).map((d) => `${d.source.replace(`${s.topic}/`, '')} +${d.copies}`);
    if (letters.duplicates.length > 20) said.push(`… ${letters.duplicates.length - 20} more`);
    s.log(
      `${duplicates} crash-window duplicates on the dead-letter topic (sent, then not committed; partition@offset): ${said.join(', ')}`,
    );
  }
  return {
    scenario: s.name,
    accepted: load.accepted,
    resends: load.resends,
    counted: await scalar(s.databaseUrl, 'SELECT sum(event_count) AS n FROM aggregates_minute'),
    deadLetters: rows.length,
    poison: Object.values(poison).reduce((sum, n) => sum + n, 0),
    deadLetterRecords: letters.records,
    deadLetterDuplicates: duplicates,
    deadLetterProblems: letters.problems,
    keyRetries: load.keyRetries,
    uncertain: load.uncertain,
    landed: landed.length,
    idViolations: load.idViolations,
    faults: s.faults,
    mismatches: code === 0 ? 0 : Number.isNaN(mismatches) ? 1 : mismatches,
    seconds: (Date.now() - started) / 1_000,
    details: [...(code === 0 ? [] : output.trim().split('\n')), ...load.violations.map((v) => `id violation: ${v}`)],
  };
}

export async function cleanup(s: Scenario): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${new URL(s.databaseUrl).pathname.slice(1)} WITH (FORCE)`)).catch(
    () => undefined,
  );
  const client = new Kafka({ clientId: 'faults', brokers: s.brokers, logLevel: logLevel.NOTHING }).admin();
  await client.connect().catch(() => undefined);
  await client.deleteTopics({ topics: [s.topic, s.deadLetterTopic] }).catch(() => undefined);
  await client.disconnect().catch(() => undefined);
}
