// Tally's consumer app on a pre-filled topic: decode, dedup, aggregate, one PostgreSQL transaction per batch with
// the offsets. Timed from the first applied batch to the last record applied, so the group join is left out (as
// kafka-consumer-perf-test's fetch rate leaves it out).
import { setTimeout as sleep } from 'node:timers/promises';
import { WRITTEN_AGGREGATE_TABLES } from '@tally/db';
import { type AppProcess, startApp, stopApp, waitReady } from '@tally/testkit';
import { peakRssMiB } from './process-memory.ts';
import { BROKERS, createDatabase, deleteTopics, newName, REGISTRY_URL, withClient } from './scratch.ts';

export interface ConsumeResult {
  recordsPerSec: number;
  seconds: number;
  peakRssMiB: number;
  /** PostgreSQL's bytes (tables and indexes) per event consumed, once every event is applied. */
  bytesPerEvent: { dedupe: number; aggregates: number };
}

/** The dedupe store and the aggregate tables, with their indexes (and, for seen_events, every partition's). */
const STORAGE = `SELECT
  (SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree('seen_events')) AS dedupe,
  (SELECT sum(pg_total_relation_size(t::regclass)) FROM unnest($1::text[]) AS t) AS aggregates`;

export async function measureConsumer(options: {
  topic: string;
  records: number;
  env?: Record<string, string>;
}): Promise<ConsumeResult> {
  const database = await createDatabase();
  const group = newName('consumer');
  let consumer: AppProcess | undefined;
  try {
    consumer = await startApp('consumer', 'consumer', {
      KAFKA_BROKERS: BROKERS.join(','),
      SCHEMA_REGISTRY_URL: REGISTRY_URL,
      DATABASE_URL: database.url,
      REPORT_TOPIC: options.topic,
      DEAD_LETTER_TOPIC: `${group}.dlq`,
      CONSUMER_GROUP: group,
      ...options.env,
    });
    await waitReady(consumer, 90_000);
    return await withClient(database.url, async (client) => {
      const applied = async () =>
        Number((await client.query<{ n: string | null }>('SELECT sum(next_offset) AS n FROM consumer_offsets')).rows[0]?.n ?? 0);
      let first: { at: number; applied: number } | undefined;
      const deadline = Date.now() + 600_000;
      for (;;) {
        const now = performance.now();
        const n = await applied();
        if (n > 0 && first === undefined) first = { at: now, applied: n };
        if (n >= options.records && first !== undefined) {
          const seconds = (now - first.at) / 1_000;
          const rss = peakRssMiB(consumer?.child.pid);
          const { rows } = await client.query<{ dedupe: string; aggregates: string }>(STORAGE, [WRITTEN_AGGREGATE_TABLES]);
          const bytes = rows[0] ?? { dedupe: 'NaN', aggregates: 'NaN' };
          return {
            recordsPerSec: (n - first.applied) / seconds,
            seconds,
            peakRssMiB: rss,
            bytesPerEvent: { dedupe: Number(bytes.dedupe) / n, aggregates: Number(bytes.aggregates) / n },
          };
        }
        if (Date.now() > deadline) throw new Error(`consumer applied ${n} of ${options.records} records in 10 minutes`);
        await sleep(50);
      }
    });
  } finally {
    if (consumer) await stopApp(consumer);
    await database.drop();
    await deleteTopics([`${group}.dlq`]);
  }
}
