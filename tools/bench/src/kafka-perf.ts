// Kafka's own perf tools (kafka-producer-perf-test / kafka-consumer-perf-test), run from the jars the launcher
// fetched: the ceiling every Tally figure is compared with.

import { type InfraPaths, kafkaToolArgs } from '@tally/launcher';
import { runToEnd } from '@tally/testkit';

export interface PerfResult {
  recordsPerSec: number;
  mbPerSec: number;
  p99Ms?: number;
}

async function java(paths: InfraPaths, kafkaVersion: string, mainClass: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runToEnd('java', [
    '-Xmx512m',
    ...kafkaToolArgs(paths, kafkaVersion),
    mainClass,
    ...args,
  ]);
  if (code !== 0) throw new Error(`${mainClass} exited with ${code}:\n${stderr.slice(-2000)}`);
  return stdout;
}

/** `N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p50, p95, p99, p99.9` */
export async function producerPerf(
  paths: InfraPaths,
  kafkaVersion: string,
  options: { brokers: string; topic: string; records: number; recordSize: number },
): Promise<PerfResult> {
  const out = await java(paths, kafkaVersion, 'org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    options.topic,
    '--num-records',
    String(options.records),
    '--record-size',
    String(options.recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${options.brokers}`,
    'acks=all',
    'enable.idempotence=true',
  ]);
  const summary = out.trim().split('\n').at(-1) ?? '';
  const match = /([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*?([\d.]+) ms 99th/.exec(summary);
  if (!match) throw new Error(`unexpected ProducerPerformance output: ${summary}`);
  return { recordsPerSec: Number(match[1]), mbPerSec: Number(match[2]), p99Ms: Number(match[3]) };
}

/** CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ... */
export async function consumerPerf(
  paths: InfraPaths,
  kafkaVersion: string,
  options: { brokers: string; topic: string; records: number; group: string },
): Promise<PerfResult> {
  const out = await java(paths, kafkaVersion, 'org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    options.brokers,
    '--topic',
    options.topic,
    '--messages',
    String(options.records),
    '--group',
    options.group,
    '--timeout',
    '60000',
  ]);
  const lines = out.trim().split('\n');
  const header = lines
    .find((line) => line.startsWith('start.time'))
    ?.split(',')
    .map((h) => h.trim());
  const values = lines
    .at(-1)
    ?.split(',')
    .map((v) => v.trim());
  if (!header || !values) throw new Error(`unexpected ConsumerPerformance output: ${out}`);
  const field = (name: string) => Number(values[header.indexOf(name)]);
  // NOTE: fetch.* excludes the group join; that is the steady-state rate we compare with.
  return { recordsPerSec: field('fetch.nMsg.sec'), mbPerSec: field('fetch.MB.sec') };
}
