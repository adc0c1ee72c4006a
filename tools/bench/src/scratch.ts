// Databases and topics of the benchmark's own, each run on fresh ones, removed afterwards.
import { randomUUID } from 'node:crypto';
import { createTopicAndWait } from '@tally/kafka';
import { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, urlFor } from '@tally/testkit';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

export const BROKERS = KAFKA_BROKERS;
export const REGISTRY_URL = SCHEMA_REGISTRY_URL;
export const databaseUrl = (name: string): string => urlFor(name);

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createDatabase(): Promise<ScratchDatabase> {
  const name = `tally_bench_${randomUUID().replaceAll('-', '')}`;
  await withClient(databaseUrl('postgres'), (client) => client.query(`CREATE DATABASE ${name}`));
  return {
    url: databaseUrl(name),
    drop: () =>
      withClient(databaseUrl('postgres'), (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

export const benchKafka = new Kafka({ clientId: 'tally-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });

export async function createTopics(topics: string[], partitions = 12): Promise<void> {
  const admin = benchKafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) await createTopicAndWait(admin, topic, partitions);
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(topics: string[]): Promise<void> {
  const admin = benchKafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } catch {
    // Best effort: a topic left behind costs disk, not correctness.
  } finally {
    await admin.disconnect();
  }
}

/** The sum of the topic's high watermarks: how many records it holds. */
export async function topicEnd(topic: string): Promise<number> {
  const admin = benchKafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

export const newName = (stage: string) => `bench-${stage}-${randomUUID().slice(0, 8)}`;
