// `pnpm bench`: Kafka's own perf tools and Tally's stages, in one run, on the same broker, topic
// layout (12 partitions) and records (Avro report events). Prints a table of medians and ratios
// and writes the runs as JSON under .local/bench (see README, "Performance").
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { infraPaths, launcherConfig } from '@tally/launcher';
import { amqpClientClasspath, measureAmqpStage } from './amqp-bridge-throughput.ts';
import { measureConsumer } from './consumer-throughput.ts';
import { startLatencyRig } from './e2e-latency.ts';
import { measureHttpIngest } from './http-ingest.ts';
import { consumerPerf, producerPerf } from './kafka-perf.ts';
import { produceReportEvents } from './library-produce.ts';
import { measureNaivePeer } from './naive-throughput.ts';
import { BROKERS, createTopics, deleteTopics, newName } from './scratch.ts';
import { median, perSecond, progress, RUNS, repeat } from './stats.ts';
import { storageLine } from './storage.ts';
import { type Row, renderTable } from './table.ts';

const PRODUCE_RECORDS = Number(process.env.BENCH_RECORDS ?? 500_000);
const CONSUME_RECORDS = Number(process.env.BENCH_CONSUME_RECORDS ?? 2_000_000);
const INGEST_SECONDS = Number(process.env.BENCH_INGEST_SECONDS ?? 10);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 15);
const AMQP_MESSAGES = Number(process.env.BENCH_AMQP_MESSAGES ?? 50_000);
/** The bridge's default AMQP_PREFETCH, given to both sides. */
const AMQP_PREFETCH = 500;

async function main(): Promise<void> {
  const paths = infraPaths();
  const { kafkaVersion } = launcherConfig();
  const brokers = BROKERS.join(',');
  const topics: string[] = [];
  const freshTopic = async (stage: string) => {
    const topic = newName(stage);
    topics.push(topic);
    await createTopics([topic]);
    return topic;
  };
  progress(`Kafka ${kafkaVersion} at ${brokers}; median of ${RUNS} runs after a warm-up for every stage`);

  try {
    const library = await repeat(
      `Tally producer library path, ${PRODUCE_RECORDS.toLocaleString('en')} events`,
      async (i) => produceReportEvents({ topic: await freshTopic('library'), records: PRODUCE_RECORDS, seed: i + 1 }),
      (r) => `${perSecond(r.recordsPerSec)}, ${r.meanRecordBytes.toFixed(0)} bytes/event`,
    );
    const recordSize = Math.round(median(library.map((r) => r.meanRecordBytes)));

    const kafkaProduce = await repeat(
      `kafka-producer-perf-test, ${PRODUCE_RECORDS.toLocaleString('en')} records of ${recordSize} bytes`,
      async () =>
        producerPerf(paths, kafkaVersion, {
          brokers,
          topic: await freshTopic('kafka-produce'),
          records: PRODUCE_RECORDS,
          recordSize,
        }),
      (r) => perSecond(r.recordsPerSec),
    );

    const ingest = await repeat(
      `Tally HTTP ingest, ${INGEST_SECONDS} s as fast as it answers`,
      (i) => measureHttpIngest({ seconds: INGEST_SECONDS, seed: i + 1 }),
      (r) => `${perSecond(r.recordsPerSec)}, request p99 ${r.p99Ms.toFixed(0)} ms, ${r.unavailable} 503s`,
    );

    const filled = await freshTopic('consume');
    progress(`filling ${filled} with ${CONSUME_RECORDS.toLocaleString('en')} events`);
    await produceReportEvents({ topic: filled, records: CONSUME_RECORDS, seed: 42 });

    const kafkaConsume = await repeat(
      `kafka-consumer-perf-test, ${CONSUME_RECORDS.toLocaleString('en')} records`,
      () =>
        consumerPerf(paths, kafkaVersion, { brokers, topic: filled, records: CONSUME_RECORDS, group: newName('kafka-consume') }),
      (r) => perSecond(r.recordsPerSec),
    );
    const consumer = await repeat(
      `Tally consumer, ${CONSUME_RECORDS.toLocaleString('en')} events into PostgreSQL`,
      () => measureConsumer({ topic: filled, records: CONSUME_RECORDS }),
      (r) => `${perSecond(r.recordsPerSec)} (${r.seconds.toFixed(1)} s), peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
    );
    const naive = await repeat(
      'naive peer (eachMessage, one INSERT per event)',
      () => measureNaivePeer({ topic: filled }),
      (r) => perSecond(r.recordsPerSec),
    );

    const classpath = await amqpClientClasspath(paths);
    const amqpStage = await repeat(
      `AMQP bridge against an ack-only consumer, ${AMQP_MESSAGES.toLocaleString('en')} messages, prefetch ${AMQP_PREFETCH}`,
      () => measureAmqpStage({ classpath, messages: AMQP_MESSAGES, prefetch: AMQP_PREFETCH }),
      (r) => `ack-only ${perSecond(r.ackOnly.messagesPerSec)}, bridge ${perSecond(r.bridge.messagesPerSec)}`,
    );

    // NOTE: the stages above each had the machine to themselves; here the load generator, producer,
    // broker, registry, consumer and PostgreSQL share its cores, so the pipeline's own maximum is
    // measured first, and latency at half of it.
    const rig = await startLatencyRig();
    const latency = await (async () => {
      progress('end-to-end: the whole pipeline as fast as it goes, to find its maximum');
      const maxRate = await rig.maxRate({ seconds: LATENCY_SECONDS, seed: 100 });
      const halfRate = Math.round(maxRate / 2);
      progress(`end-to-end: maximum ${perSecond(maxRate)}; latency at half of it, ${perSecond(halfRate)}`);
      const runs = await repeat(
        `end-to-end latency, ${LATENCY_SECONDS} s at ${perSecond(halfRate)}`,
        (i) => rig.measure({ rate: halfRate, seconds: LATENCY_SECONDS, seed: i + 1 }),
        (r) =>
          `p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms (of which send → 202: p50 ${r.ackP50Ms.toFixed(0)}, p99 ${r.ackP99Ms.toFixed(0)}) over ${r.probes} probes at ${perSecond(r.rate)}`,
      );
      return { maxRate, halfRate, runs };
    })().finally(() => rig.stop());

    const m = (values: number[]) => median(values);
    const rows: Row[] = [
      { stage: 'kafka-producer-perf-test (acks=all, idempotent)', rate: m(kafkaProduce.map((r) => r.recordsPerSec)) },
      {
        stage: 'Tally HTTP ingest → 202 after acks=all',
        rate: m(ingest.map((r) => r.recordsPerSec)),
        vsKafka: 'producer',
        target: 0.5,
        p99Ms: m(ingest.map((r) => r.p99Ms)),
      },
      { stage: 'Tally producer library path (encode + send)', rate: m(library.map((r) => r.recordsPerSec)), vsKafka: 'producer' },
      { stage: 'kafka-consumer-perf-test', rate: m(kafkaConsume.map((r) => r.recordsPerSec)) },
      {
        stage: 'Tally consumer → PostgreSQL, exactly-once',
        rate: m(consumer.map((r) => r.recordsPerSec)),
        vsKafka: 'consumer',
        target: 0.2,
        vsNaive: true,
        rssMiB: Math.max(...consumer.map((r) => r.peakRssMiB)),
        rssTargetMiB: 256,
      },
      { stage: 'naive peer: eachMessage + INSERT per event', rate: m(naive.map((r) => r.recordsPerSec)), vsKafka: 'consumer' },
      { stage: 'RabbitMQ ack-only consumer (Java amqp-client)', rate: m(amqpStage.map((r) => r.ackOnly.messagesPerSec)) },
      {
        stage: 'Tally AMQP bridge → Kafka acks=all → ack',
        rate: m(amqpStage.map((r) => r.bridge.messagesPerSec)),
        vsKafka: 'amqp',
      },
      {
        stage: 'end-to-end maximum, all processes on one machine',
        rate: latency.maxRate,
        vsKafka: 'producer',
      },
      {
        stage: `end-to-end at half of it: send → visible`,
        rate: m(latency.runs.map((r) => r.rate)),
        vsKafka: 'producer',
        p50Ms: m(latency.runs.map((r) => r.p50Ms)),
        p99Ms: m(latency.runs.map((r) => r.p99Ms)),
        p99TargetMs: 1_000,
        rssMiB: Math.max(...latency.runs.map((r) => r.consumerPeakRssMiB)),
        rssTargetMiB: 256,
      },
      {
        stage: '  of which 202 → counted (Kafka + consumer)',
        rate: Number.NaN,
        p50Ms: m(latency.runs.map((r) => r.afterAckP50Ms)),
        p99Ms: m(latency.runs.map((r) => r.afterAckP99Ms)),
      },
    ];
    const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Kafka ${kafkaVersion}, ${recordSize}-byte events, 12 partitions`;
    console.log(`\n${machine}\n`);
    console.log(renderTable(rows, { naive: m(naive.map((r) => r.recordsPerSec)) }));
    console.log(`\n${storageLine(consumer, CONSUME_RECORDS)}`);

    const dir = join(paths.local, 'bench');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `results-${new Date().toISOString().replaceAll(':', '-')}.json`);
    const runs = { library, kafkaProduce, ingest, kafkaConsume, consumer, naive, amqpStage, latency };
    writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), machine, recordSize, rows, runs }, null, 2)}\n`);
    console.log(`\nresults: ${file}`);
  } finally {
    await deleteTopics(topics);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
