// End-to-end latency under load: from a client sending an event over HTTP to the event being counted in
// aggregates_minute, while `pnpm load` keeps the pipeline at a steady rate.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSummary } from '@tally/load/process';
import { type AppProcess, ROOT, startApp, stopApp, waitReady } from '@tally/testkit';
import { peakRssMiB } from './process-memory.ts';
import { BROKERS, createDatabase, createTopics, deleteTopics, newName, REGISTRY_URL, topicEnd, withClient } from './scratch.ts';
import { percentile } from './stats.ts';

export interface LatencyResult {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** Of the same probes: send → 202 (the producer's share). */
  ackP50Ms: number;
  ackP99Ms: number;
  /** Of the same probes: 202 → counted (Kafka's delivery and the consumer's share). */
  afterAckP50Ms: number;
  afterAckP99Ms: number;
  probes: number;
  consumerPeakRssMiB: number;
}

// TRICKY: to see one event among thousands per second, each probe gets a minute of its own far in
// the past (2000-01-01 plus n minutes), so its aggregate row is new and a primary-key range scan
// finds it cheaply every 10 ms without loading the database the pipeline writes to.
const PROBE_EPOCH = Date.UTC(2000, 0, 1);
const PROBE_EVERY_MS = 50;

export interface LatencyRig {
  /** The rate the whole pipeline sustains, all its processes sharing the machine (lag drains after). */
  maxRate(options: { seconds: number; seed: number }): Promise<number>;
  measure(options: { rate: number; seconds: number; seed: number }): Promise<LatencyResult>;
  stop(): Promise<void>;
}

export async function startLatencyRig(): Promise<LatencyRig> {
  const topic = newName('e2e');
  const database = await createDatabase();
  await createTopics([topic]);
  const env = {
    KAFKA_BROKERS: BROKERS.join(','),
    SCHEMA_REGISTRY_URL: REGISTRY_URL,
    DATABASE_URL: database.url,
    REPORT_TOPIC: topic,
    DEAD_LETTER_TOPIC: `${topic}.dlq`,
    CONSUMER_GROUP: topic,
  };
  const apps: AppProcess[] = [];
  let probeMinute = 0;
  try {
    apps.push(await startApp('producer', 'producer', env));
    apps.push(await startApp('consumer', 'consumer', env));
    for (const app of apps) await waitReady(app, 90_000);
  } catch (error) {
    await Promise.all(apps.map((app) => stopApp(app)));
    throw error;
  }
  const [producer, consumer] = apps as [AppProcess, AppProcess];
  const ingestUrl = `http://127.0.0.1:${producer.port}/v1/events`;
  const ledger = (seed: number) => join(ROOT, '.local', 'bench', `ledger-${topic}-${seed}.json`);

  /** Until the consumer applied everything the topic holds, so no backlog inflates a probe. */
  async function caughtUp(): Promise<void> {
    await withClient(database.url, async (client) => {
      const end = await topicEnd(topic);
      const deadline = Date.now() + 300_000;
      for (;;) {
        const { rows } = await client.query<{ n: string | null }>('SELECT sum(next_offset) AS n FROM consumer_offsets');
        if (Number(rows[0]?.n ?? 0) >= end) return;
        if (Date.now() > deadline) throw new Error('the consumer did not catch up in 5 minutes');
        await sleep(200);
      }
    });
  }

  return {
    async maxRate({ seconds, seed }) {
      const summary = await loadSummary({
        url: ingestUrl,
        rate: 1_000_000,
        seconds,
        batch: 500,
        concurrency: 16,
        seed,
        drainSeconds: 5,
        ledger: ledger(seed),
      });
      await caughtUp();
      return summary.acceptedPerSecond;
    },
    async measure({ rate, seconds, seed }) {
      await caughtUp();
      const sent = new Map<number, number>();
      const seen = new Map<number, number>();
      const acked = new Map<number, number>();
      const first = probeMinute;
      const load = loadSummary({
        url: ingestUrl,
        rate,
        seconds,
        batch: 100,
        concurrency: 32,
        seed,
        drainSeconds: 5,
        ledger: ledger(seed),
      });
      let loadDone = false;
      void load.finally(() => {
        loadDone = true;
      });

      const probing = (async () => {
        // Let the load reach its rate first.
        await sleep(1_000);
        while (!loadDone) {
          const minute = probeMinute++;
          const body = JSON.stringify({
            event_id: randomUUID(),
            user_id: 'bench-probe',
            action: 'bench.probe',
            occurred_at: PROBE_EPOCH + minute * 60_000,
          });
          const at = performance.now();
          sent.set(minute, at);
          void fetch(ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
            (response) => {
              if (response.status === 202) acked.set(minute, performance.now() - at);
              else sent.delete(minute);
              return response.arrayBuffer();
            },
            () => sent.delete(minute),
          );
          await sleep(PROBE_EVERY_MS);
        }
      })();

      await withClient(database.url, async (client) => {
        const deadline = () => loadDone && [...sent.keys()].every((m) => seen.has(m));
        const giveUpAt = Date.now() + (seconds + 60) * 1_000;
        while (!deadline() && Date.now() < giveUpAt) {
          const { rows } = await client.query<{ bucket_start: Date }>(
            'SELECT bucket_start FROM aggregates_minute WHERE bucket_start >= $1 AND bucket_start < $2',
            [new Date(PROBE_EPOCH + first * 60_000), new Date(PROBE_EPOCH + probeMinute * 60_000)],
          );
          const now = performance.now();
          for (const row of rows) {
            const minute = (row.bucket_start.getTime() - PROBE_EPOCH) / 60_000;
            if (!seen.has(minute)) seen.set(minute, now);
          }
          await sleep(10);
        }
      });
      const summary = await load;
      await probing;
      const latencies = [...sent].flatMap(([minute, at]) => {
        const seenAt = seen.get(minute);
        return seenAt === undefined ? [] : [seenAt - at];
      });
      if (latencies.length < sent.size) throw new Error(`${sent.size - latencies.length} probes never became visible`);
      const afterAck = [...sent].flatMap(([minute, at]) => {
        const [seenAt, ackMs] = [seen.get(minute), acked.get(minute)];
        return seenAt === undefined || ackMs === undefined ? [] : [seenAt - at - ackMs];
      });
      return {
        rate: summary.acceptedPerSecond,
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        ackP50Ms: percentile([...acked.values()], 0.5),
        ackP99Ms: percentile([...acked.values()], 0.99),
        afterAckP50Ms: percentile(afterAck, 0.5),
        afterAckP99Ms: percentile(afterAck, 0.99),
        probes: latencies.length,
        consumerPeakRssMiB: peakRssMiB(consumer.child.pid),
      };
    },
    async stop() {
      await Promise.all(apps.map((app) => stopApp(app)));
      await database.drop();
      await deleteTopics([topic, `${topic}.dlq`]);
    },
  };
}
