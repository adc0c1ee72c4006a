// The consumer's integration tests: a database, topics and group of each test's own, and the
// consumer started on them in-process. Everything generic comes from @tally/testkit.
import { createDatabase, createTopic, deleteTopics, uniqueNames } from '@tally/testkit';
import pino from 'pino';
import { type ConsumerConfig, loadConfig } from '../src/config.ts';
import { type RunningConsumer, startConsumer } from '../src/consumer-app.ts';

export function configFor(
  overrides: { url: string; topic: string; deadLetterTopic: string; group: string } & Record<string, string>,
): ConsumerConfig {
  const { url, topic, deadLetterTopic, group, ...rest } = overrides;
  return loadConfig({
    ...process.env,
    DATABASE_URL: url,
    REPORT_TOPIC: topic,
    DEAD_LETTER_TOPIC: deadLetterTopic,
    CONSUMER_GROUP: group,
    CONSUMER_SESSION_TIMEOUT_MS: '10000',
    ...rest,
  });
}

export function startTestConsumer(config: ConsumerConfig, options: { recheckStoppedMs?: number } = {}): Promise<RunningConsumer> {
  return startConsumer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), { defaultMetrics: false, ...options });
}

export type Cleanup = () => Promise<void>;

/**
 * A database, report topic, dead-letter topic and group of the test's own; `cleanups` gets what
 * removes them.
 */
export async function isolatedPipeline(cleanups: Cleanup[], partitions = 3) {
  const db = await createDatabase();
  const n = uniqueNames('consumer-test');
  await createTopic(n.topic, partitions);
  cleanups.push(db.drop, () => deleteTopics([n.topic, n.deadLetterTopic]));
  return { ...n, url: db.url, config: (extra: Record<string, string> = {}) => configFor({ url: db.url, ...n, ...extra }) };
}
