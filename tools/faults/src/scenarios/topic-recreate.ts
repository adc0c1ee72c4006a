// The report topic deleted and created again under load, once the consumers have caught up: PostgreSQL's offsets
// then belong to a log that is gone. The consumers must stop those partitions loudly (/readyz names the command)
// rather than drop the new records as already applied; the operator's `pnpm consumer:offsets reset --to earliest`
// (run here as a process) lets them resume without a restart, and the ledger must end exact.
// The producer is frozen (SIGSTOP) around the deletion, so no accepted event is lost with the old log: what it
// acknowledged before is applied first (lag 0), what it holds goes to the new log once it runs again.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type AppProcess, eventually, ROOT, sql } from '@tally/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { createTopic, type Outcome, type Scenario, waitForLagZero } from '../scenario.ts';
import { appEnv, between, runWithLoad } from './common.ts';

const PARTITIONS = 12;
const OFFSETS_CLI = join(ROOT, 'apps', 'consumer', 'src', 'offsets-cli', 'main.ts');

/** `pnpm consumer:offsets …` as an operator runs it: a process with the consumer's environment. */
async function offsetsCli(s: Scenario, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=development', OFFSETS_CLI, ...args], {
    env: { ...process.env, ...appEnv(s), TALLY_DOTENV: '' },
  });
  return stdout.trimEnd();
}

async function recreateTopic(s: Scenario): Promise<void> {
  const admin = new Kafka({ clientId: 'faults', brokers: s.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [s.topic] });
    await eventually('the report topic deleted', async () => !(await admin.listTopics()).includes(s.topic), 60_000);
  } finally {
    await admin.disconnect();
  }
  // Kafka may list a deletion as done a moment before it takes the name again.
  await eventually(
    'the report topic created again',
    () =>
      createTopic(s, PARTITIONS).then(
        () => true,
        () => false,
      ),
    60_000,
  );
}

/** The partitions a consumer's /readyz reports stopped for their log. */
async function stoppedOn(consumer: AppProcess): Promise<number[]> {
  const response = await fetch(`http://127.0.0.1:${consumer.port}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(
    () => undefined,
  );
  if (response === undefined) return [];
  const { checks } = (await response.json()) as { checks?: { log?: string } };
  return [...(checks?.log ?? '').matchAll(/\/(\d+) stopped, [^|]*resolve: pnpm consumer:offsets/g)].map((m) => Number(m[1]));
}

export function topicRecreate(s: Scenario): Promise<Outcome> {
  return runWithLoad(s, {
    consumers: 2,
    rate: 2_000,
    seconds: 40,
    inject: async ({ producer, consumers }) => {
      await sleep(between(s, 6_000, 9_000));
      producer.child.kill('SIGSTOP');
      try {
        // Bytes the producer had already written to its sockets reach the broker, then the consumers apply it all.
        await sleep(1_000);
        await waitForLagZero(s, 60_000);
        await recreateTopic(s);
        s.faults += 1;
      } finally {
        producer.child.kill('SIGCONT');
      }
      s.log('caught up, then the report topic was deleted and created again under load (producer frozen meanwhile)');

      // Every partition's log is new: each must be stopped, reported, and flagged in PostgreSQL.
      let reported: number[] = [];
      await eventually(
        'every partition stopped and flagged',
        async () => {
          reported = [...new Set((await Promise.all(consumers.map(stoppedOn))).flat())];
          const [flagged] = await sql<{ n: string }>(
            s.databaseUrl,
            'SELECT count(*) AS n FROM consumer_offsets WHERE consumer_group = $1 AND log_mismatch IS NOT NULL',
            [s.group],
          );
          return reported.length === PARTITIONS && Number(flagged?.n) === PARTITIONS;
        },
        60_000,
        250,
      );
      s.log(`/readyz reports all ${reported.length} partitions stopped, naming pnpm consumer:offsets`);
      const shown = await offsetsCli(s, 'show');
      for (const line of shown.split('\n').slice(0, 4)) s.log(`  show: ${line}`);
      s.log(`  reset: ${(await offsetsCli(s, 'reset', '--to', 'earliest')).split('\n').at(-1)}`);

      // The running consumers pick the reset up: ready again with no restart.
      await eventually(
        'the consumers ready again',
        async () => (await Promise.all(consumers.map(async (c) => (await stoppedOn(c)).length))).every((n) => n === 0),
        60_000,
        250,
      );
      s.log('consumers resumed from the new log’s start without a restart');
    },
  });
}
