// Tally's HTTP ingest to broker ack: the real producer app, driven as hard as it answers by `pnpm load` in another
// process (requests of 500 events, 16 in flight). Counts 202s only, and a 202 is sent after acks=all for every
// event of the request.
import { join } from 'node:path';
import { loadSummary } from '@tally/load/process';
import { ROOT, startApp, stopApp, waitReady } from '@tally/testkit';
import { BROKERS, createTopics, deleteTopics, newName } from './scratch.ts';

export interface IngestResult {
  recordsPerSec: number;
  p99Ms: number;
  unavailable: number;
}

export async function measureHttpIngest(options: {
  seconds: number;
  seed: number;
  env?: Record<string, string>;
}): Promise<IngestResult> {
  const topic = newName('ingest');
  await createTopics([topic]);
  const producer = await startApp('producer', 'producer', {
    KAFKA_BROKERS: BROKERS.join(','),
    REPORT_TOPIC: topic,
    // The same setting as kafka-producer-perf-test's records: uncompressed.
    PRODUCER_COMPRESSION: 'none',
    ...options.env,
  });
  try {
    await waitReady(producer);
    const summary = await loadSummary({
      url: `http://127.0.0.1:${producer.port}/v1/events`,
      rate: 1_000_000,
      seconds: options.seconds,
      batch: 500,
      concurrency: 16,
      seed: options.seed,
      drainSeconds: 5,
      ledger: join(ROOT, '.local', 'bench', `ledger-${topic}.json`),
    });
    if (summary.rejected > 0) throw new Error(`the producer rejected ${summary.rejected} generated events`);
    return { recordsPerSec: summary.acceptedPerSecond, p99Ms: summary.latencyMs.p99, unavailable: summary.unavailable };
  } finally {
    await stopApp(producer);
    await deleteTopics([topic]);
  }
}
