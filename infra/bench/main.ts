// `pnpm bench`: measures on the running local broker and prints a table of medians. This stage
// measures the ceiling, Kafka's own perf tools; Tally's stages are compared with it.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { launcherConfig } from '../launcher/config.ts';
import { infraPaths } from '../launcher/paths.ts';
import { consumerPerf, type PerfResult, producerPerf } from './kafka-perf.ts';

const RUNS = 3;
const RECORD_SIZE = 150; // bytes, about one Avro-encoded report event
const records = Number(process.env.BENCH_RECORDS ?? 500_000);
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

function progress(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function median(results: PerfResult[]): PerfResult {
  const mid = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const p99 = results.flatMap((r) => (r.p99Ms === undefined ? [] : [r.p99Ms]));
  return {
    recordsPerSec: mid(results.map((r) => r.recordsPerSec)),
    mbPerSec: mid(results.map((r) => r.mbPerSec)),
    ...(p99.length > 0 ? { p99Ms: mid(p99) } : {}),
  };
}

async function repeat(
  label: string,
  run: (i: number) => Promise<PerfResult>,
): Promise<{ median: PerfResult; runs: PerfResult[] }> {
  progress(`${label}: warm-up`);
  await run(0);
  const runs: PerfResult[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const result = await run(i);
    progress(`${label}: run ${i}/${RUNS}: ${Math.round(result.recordsPerSec).toLocaleString('en')} records/s`);
    runs.push(result);
  }
  return { median: median(runs), runs };
}

async function main(): Promise<void> {
  const paths = infraPaths();
  const { kafkaVersion } = launcherConfig();
  const topic = `bench-${randomUUID()}`;
  const admin = new Kafka({ clientId: 'tally-bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 12 }], waitForLeaders: true });
  try {
    progress(
      `${records.toLocaleString('en')} records of ${RECORD_SIZE} bytes, 12 partitions, median of ${RUNS} runs after a warm-up`,
    );
    const produce = await repeat('kafka-producer-perf-test', () =>
      producerPerf(paths, kafkaVersion, { brokers, topic, records, recordSize: RECORD_SIZE }),
    );
    const consume = await repeat('kafka-consumer-perf-test', () =>
      consumerPerf(paths, kafkaVersion, { brokers, topic, records, group: `bench-${randomUUID()}` }),
    );
    const rows = [
      { stage: 'kafka-producer-perf-test (acks=all, idempotent)', ...produce.median },
      { stage: 'kafka-consumer-perf-test', ...consume.median },
    ];
    console.log(
      `\nKafka ${kafkaVersion} on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`,
    );
    console.log(`${'stage'.padEnd(50)} ${'records/s'.padStart(12)} ${'MB/s'.padStart(8)} ${'p99 ms'.padStart(8)}`);
    for (const row of rows) {
      const p99 = row.p99Ms === undefined ? '' : String(row.p99Ms);
      console.log(
        `${row.stage.padEnd(50)} ${Math.round(row.recordsPerSec).toLocaleString('en').padStart(12)} ${row.mbPerSec.toFixed(1).padStart(8)} ${p99.padStart(8)}`,
      );
    }
    const dir = join(paths.local, 'bench');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `results-${new Date().toISOString().replaceAll(':', '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ at: new Date().toISOString(), kafkaVersion, records, recordSize: RECORD_SIZE, cpus: cpus().length, rows, runs: { produce: produce.runs, consume: consume.runs } }, null, 2)}\n`,
    );
    console.log(`\nresults: ${file}`);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
