// Records which partition Kafka's own Java client picks for a set of keys, so the producer's
// partitioner can be held to it (apps/producer/src/ingest/partitioner.test.ts).
//
//   pnpm infra:up && pnpm --filter @tally/launcher partition-vectors
//
// It writes keyed records with Kafka's console producer (the Java client's default partitioner,
// from the jars the launcher fetched) into topics of 12 and 7 partitions, reads them back with
// kafkajs, and writes apps/producer/src/ingest/partitioner.vectors.json.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineNames } from '@tally/config';
import { createTopicAndWait } from '@tally/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { launcherConfig } from '../src/config.ts';
import { kafkaToolArgs } from '../src/kafka-tools.ts';
import { infraPaths } from '../src/paths.ts';

const BROKERS = pipelineNames(process.env).kafkaBrokers;
const PARTITION_COUNTS = [12, 7];
const paths = infraPaths();
const { kafkaVersion } = launcherConfig();

/** Decimal ids (what the original code sends), uuids, and names with non-ASCII characters. */
function keys(): string[] {
  const decimal = Array.from({ length: 600 }, (_, i) => String(i));
  const uuids = Array.from({ length: 300 }, () => randomUUID());
  const words = Array.from({ length: 150 }, (_, i) => `user-${i}-${['ä', 'ø', 'ß', '名前', '🙂'][i % 5]}`);
  return [...decimal, ...uuids, ...words];
}

function consoleProduce(topic: string, lines: string[]): Promise<void> {
  const mainClass = kafkaVersion.startsWith('3.') ? 'kafka.tools.ConsoleProducer' : 'org.apache.kafka.tools.ConsoleProducer';
  return new Promise((resolve, reject) => {
    const child = spawn(
      'java',
      [
        ...kafkaToolArgs(paths, kafkaVersion),
        mainClass,
        '--bootstrap-server',
        BROKERS.join(','),
        '--topic',
        topic,
        '--property',
        'parse.key=true',
        '--property',
        'key.separator=\t',
      ],
      { stdio: ['pipe', 'inherit', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ConsoleProducer exited with ${code}`))));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'partition-vectors', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const all = keys();
  const cases: { partitions: number; key: string; partition: number }[] = [];
  for (const partitions of PARTITION_COUNTS) {
    const topic = `partition-vectors-${partitions}-${randomUUID()}`;
    await createTopicAndWait(admin, topic, partitions);
    await consoleProduce(
      topic,
      all.map((key) => `${key}\t${key}`),
    );
    const seen = new Map<string, number>();
    const consumer = kafka.consumer({ groupId: `partition-vectors-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        seen.set(String(message.key), partition);
      },
    });
    const deadline = Date.now() + 60_000;
    while (seen.size < all.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    if (seen.size !== all.length) throw new Error(`read back ${seen.size} of ${all.length} keys from ${topic}`);
    for (const key of all) cases.push({ partitions, key, partition: seen.get(key) ?? -1 });
  }
  await admin.disconnect();
  const file = join(paths.root, 'apps', 'producer', 'src', 'ingest', 'partitioner.vectors.json');
  const generatedBy = 'pnpm infra:up && pnpm --filter @tally/launcher partition-vectors';
  writeFileSync(
    file,
    `${JSON.stringify({ generatedBy, javaClient: `kafka-clients ${kafkaVersion} (ConsoleProducer)`, cases })}\n`,
  );
  console.log(`wrote ${cases.length} cases to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
