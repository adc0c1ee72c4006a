// What every scenario shares: a database, topics and group of its own, a seeded random source, and the final
// check: wait until the consumers applied everything Kafka holds (lag 0), then compare aggregates_minute with the
// load ledger per bucket, user and action.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopicAndWait } from '@tally/kafka';
import { runCheckLedger } from '@tally/load/process';
import { KAFKA_BROKERS, ROOT, seededRandom, urlFor } from '@tally/testkit';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

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
  deadLetters: number;
  poison: number;
  faults: number;
  mismatches: number;
  seconds: number;
  details: string[];
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

async function scalar(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string | null }>(sql);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
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

/** The oracle: `pnpm check:ledger` against the scenario's database. */
export async function check(
  s: Scenario,
  started: number,
  extra: { poison?: number; accepted: number; resends: number },
): Promise<Outcome> {
  const { code, output } = await runCheckLedger(s.ledgerFile, s.databaseUrl);
  const mismatches = Number(/mismatches: (\d+)/.exec(output)?.[1] ?? Number.NaN);
  return {
    scenario: s.name,
    accepted: extra.accepted,
    resends: extra.resends,
    counted: await scalar(s.databaseUrl, 'SELECT sum(event_count) AS n FROM aggregates_minute'),
    deadLetters: await scalar(s.databaseUrl, 'SELECT count(*) AS n FROM dead_letters'),
    poison: extra.poison ?? 0,
    faults: s.faults,
    mismatches: code === 0 ? 0 : Number.isNaN(mismatches) ? 1 : mismatches,
    seconds: (Date.now() - started) / 1_000,
    details: code === 0 ? [] : output.trim().split('\n'),
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
