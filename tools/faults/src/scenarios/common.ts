// The frame every fault scenario runs in: the apps' shared environment, and load with a ledger around the faults.
import { setTimeout as sleep } from 'node:timers/promises';
import { type LoadOptions, runLoadProcess } from '@tally/load/process';
import { type AppProcess, startApp, stopApp, waitReady } from '@tally/testkit';
import { check, createTopic, type Outcome, type Scenario, waitForLagZero } from '../scenario.ts';

/** The environment the apps of a scenario share: its topics, group, database and brokers. */
export function appEnv(s: Scenario, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: s.brokers.join(','),
    DATABASE_URL: s.databaseUrl,
    REPORT_TOPIC: s.topic,
    DEAD_LETTER_TOPIC: s.deadLetterTopic,
    CONSUMER_GROUP: s.group,
    // Short, so a killed or frozen member's partitions move on within seconds.
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    ...extra,
  };
}

/**
 * What clients send besides plain events, on in every scenario (see docs/load.md): events without ids, keyed
 * requests sent again (some after a client-side timeout), ids in upper or mixed case resent in another case, times
 * as ISO-8601 with a zone offset.
 */
export const EDGES = {
  resend: 0.01,
  noIds: 0.1,
  keys: 0.1,
  keyRetries: 0.5,
  keyTimeouts: 0.25,
  mixedCase: 0.25,
  isoTimes: 0.25,
} satisfies Partial<LoadOptions>;

export const between = (s: Scenario, lowMs: number, highMs: number) => lowMs + Math.floor(s.random() * (highMs - lowMs));

/**
 * The common shape: a producer and consumers up, load with a ledger while `inject` does its
 * faults, then lag 0 and the ledger check. Returns the outcome row.
 */
export async function runWithLoad(
  s: Scenario,
  options: {
    consumers: number;
    rate: number;
    seconds: number;
    resend?: number;
    drainSeconds?: number;
    producerEnv?: Record<string, string>;
    consumerEnv?: Record<string, string>;
    inject: (
      apps: { producer: AppProcess; consumers: AppProcess[]; startConsumer: () => Promise<AppProcess> },
      loadDone: () => boolean,
    ) => Promise<void>;
    /** The poison injected, by the reason code it must be dead-lettered with. */
    poison?: () => Record<string, number>;
    /** Overrides of EDGES. */
    edges?: Partial<typeof EDGES>;
  },
): Promise<Outcome> {
  const started = Date.now();
  await createTopic(s);
  const producer = await startApp('producer', 'producer', appEnv(s, options.producerEnv));
  let index = 0;
  const consumers: AppProcess[] = [];
  const startConsumer = async () => {
    const consumer = await startApp('consumer', `consumer-${++index}`, appEnv(s, options.consumerEnv));
    consumers.push(consumer);
    return consumer;
  };
  try {
    await waitReady(producer);
    for (let i = 0; i < options.consumers; i++) await startConsumer();
    for (const consumer of consumers) await waitReady(consumer, 90_000);

    let done = false;
    const load = runLoadProcess({
      url: `http://127.0.0.1:${producer.port}/v1/events`,
      rate: options.rate,
      seconds: options.seconds,
      seed: s.seed,
      skew: 1.1,
      batch: 100,
      ...EDGES,
      ...options.edges,
      ...(options.resend === undefined ? {} : { resend: options.resend }),
      drainSeconds: options.drainSeconds ?? 30,
      ledger: s.ledgerFile,
    }).finally(() => {
      done = true;
    });
    await options.inject({ producer, consumers, startConsumer }, () => done);
    const result = await load;
    s.log(
      `load done: ${result.accepted} accepted, ${result.resends} resends, ${result.unavailable} 503s (retried), ${result.abandoned} abandoned` +
        ` (${result.uncertain} of unknown fate); ${result.noIdEvents} events without ids, ${result.keyedRequests} keyed requests` +
        ` (${result.keyRetries} sent again, ${result.keyTimeouts} cut by a timeout), ${result.mixedCaseIds} mixed-case ids, ${result.isoTimes} ISO times, ${result.idViolations} id violations`,
    );

    // At least one healthy consumer drains what is left.
    const alive = consumers.filter((c) => c.child.exitCode === null && c.child.signalCode === null);
    if (alive.length === 0) await startConsumer();
    await waitForLagZero(s);
    await sleep(500);
    return await check(s, started, result, options.poison?.());
  } finally {
    await Promise.all([producer, ...consumers].map((app) => stopApp(app, 'SIGKILL')));
  }
}
