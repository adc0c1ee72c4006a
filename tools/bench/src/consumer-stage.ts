// `pnpm --filter @tally/bench consumer [records] [runs]`: the consumer stage of `pnpm bench` alone, for profiling
// and before/after comparisons of the write path: one topic filled once, the consumer run over it `runs` times
// (each into a fresh database), kafka-consumer-perf-test on the same topic for the ratio. CONSUMER_* variables set
// in the environment are given to the consumer (CONSUMER_PARTITIONS_CONCURRENTLY=1, say, to compare).
import { infraPaths, launcherConfig } from '@tally/launcher';
import { type ConsumeResult, measureConsumer } from './consumer-throughput.ts';
import { consumerPerf } from './kafka-perf.ts';
import { produceReportEvents } from './library-produce.ts';
import { BROKERS, createTopics, deleteTopics, newName } from './scratch.ts';
import { median, perSecond, progress } from './stats.ts';
import { storageLine } from './storage.ts';

const records = Number(process.argv[2] ?? 500_000);
const runs = Number(process.argv[3] ?? 2);
const paths = infraPaths();
const { kafkaVersion } = launcherConfig();
const env = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('CONSUMER_') && e[1] !== undefined),
);
const topic = newName('consume');
await createTopics([topic]);
try {
  progress(`filling ${topic} with ${records.toLocaleString('en')} events`);
  await produceReportEvents({ topic, records, seed: 42 });
  const kafka = await consumerPerf(paths, kafkaVersion, {
    brokers: BROKERS.join(','),
    topic,
    records,
    group: newName('kafka-consume'),
  });
  progress(`kafka-consumer-perf-test: ${perSecond(kafka.recordsPerSec)}`);
  const rates: number[] = [];
  const results: ConsumeResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await measureConsumer({ topic, records, env });
    rates.push(r.recordsPerSec);
    results.push(r);
    progress(
      `Tally consumer run ${i + 1}: ${perSecond(r.recordsPerSec)} (${r.seconds.toFixed(1)} s), peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
    );
  }
  progress(storageLine(results, records));
  progress(
    `Tally consumer median ${perSecond(median(rates))}: ${(median(rates) / kafka.recordsPerSec).toFixed(3)}× the Kafka tool`,
  );
} finally {
  await deleteTopics([topic]);
}
