// What `pnpm consumer:offsets` looks at: PostgreSQL's position per partition (with the identity of
// its log) beside what Kafka has now (the cluster id, each partition's log start and end, the
// group's members), each judged by the consumer's own rules (log-identity/judge.ts).
import type { ConsumerOffsetRow } from '@tally/db';
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { storedPositions } from '../apply/offsets.ts';
import { judgePosition, type StoredPosition, type Verdict } from '../log-identity/judge.ts';

export interface PartitionView {
  partition: number;
  /** undefined: Kafka has no such partition (the topic is gone, or has fewer partitions now). */
  log: { start: bigint; end: bigint } | undefined;
  /** undefined: no row (never applied). */
  stored: StoredPosition | undefined;
  verdict: Verdict | undefined;
}

export interface OffsetsView {
  group: string;
  topic: string;
  clusterId: string;
  topicExists: boolean;
  /** Members of the consumer group now (a running consumer is one). */
  members: number;
  groupState: string;
  partitions: PartitionView[];
  /** `group/topic` pairs PostgreSQL holds offsets for, to name when this pair has none. */
  stored: string[];
}

export async function inspectOffsets(deps: {
  admin: Admin;
  pool: Pick<pg.Pool, 'query'>;
  group: string;
  topic: string;
}): Promise<OffsetsView> {
  const { admin, pool, group, topic } = deps;
  // NOTE: settled, all of them, before a failure is thrown: a Kafka request left in flight when
  // the admin disconnects opens a connection again and keeps the process alive.
  const [{ clusterId }, topics, { groups }, positions, pairs] = await allOrFirstError([
    admin.describeCluster(),
    admin.listTopics(),
    admin.describeGroups([group]),
    storedPositions(pool, group, topic),
    pool.query<Pick<ConsumerOffsetRow, 'consumer_group' | 'topic'>>(
      'SELECT DISTINCT consumer_group, topic FROM consumer_offsets ORDER BY consumer_group, topic',
    ),
  ] as const);
  const topicExists = topics.includes(topic);
  const ends = new Map(
    topicExists
      ? (await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, { start: BigInt(o.low), end: BigInt(o.high) }])
      : [],
  );
  const numbers = [...new Set([...ends.keys(), ...positions.keys()])].sort((a, b) => a - b);
  return {
    group,
    topic,
    clusterId,
    topicExists,
    members: groups[0]?.members.length ?? 0,
    groupState: groups[0]?.state ?? 'Dead',
    partitions: numbers.map((partition) => {
      const log = ends.get(partition);
      const stored = positions.get(partition);
      return { partition, log, stored, verdict: log === undefined ? undefined : judgePosition(stored, { clusterId, ...log }) };
    }),
    stored: pairs.rows.map((r) => `${r.consumer_group}/${r.topic}`),
  };
}

/** Why this group and topic cannot be what the operator meant, or undefined. */
export function wrongGroupOrTopic(view: OffsetsView): string | undefined {
  if (view.partitions.some((p) => p.stored !== undefined)) return undefined;
  const elsewhere =
    view.stored.length === 0
      ? 'PostgreSQL holds no offsets at all (the consumer has applied nothing yet)'
      : `PostgreSQL holds offsets for (group/topic): ${view.stored.join(', ')}`;
  const kafka = view.topicExists ? '' : `, and Kafka has no topic ${JSON.stringify(view.topic)}`;
  return (
    `no offsets in PostgreSQL for consumer group ${JSON.stringify(view.group)} on topic ${JSON.stringify(view.topic)}${kafka}: ` +
    `${elsewhere}. Set CONSUMER_GROUP, REPORT_TOPIC and DATABASE_URL as the consumer has them.`
  );
}

async function allOrFirstError<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}
