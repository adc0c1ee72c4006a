// kill -9 of a consumer at random moments, at least 20 times, with 2-3 consumers in the group, while poison
// arrives now and then: a kill between a dead letter's send and its commit leaves a crash-window duplicate on the
// dead-letter topic, which the oracle counts and allows (and nothing else).
import { setTimeout as sleep } from 'node:timers/promises';
import { stopApp } from '@tally/testkit';
import { createPoison } from '../poison.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { between, runWithLoad } from './common.ts';

export function consumerKills(s: Scenario): Promise<Outcome> {
  const poison = createPoison(s);
  return runWithLoad(s, {
    consumers: 2,
    rate: 2_000,
    seconds: 40,
    resend: 0.01,
    poison: poison.injected,
    inject: async ({ consumers, startConsumer }, loadDone) => {
      const poisoning = (async () => {
        while (!loadDone()) {
          await sleep(1_000 + Math.floor(Math.random() * 2_000));
          if (!loadDone()) await poison.inject(5);
        }
      })();
      while (!loadDone() || s.faults < 20) {
        await sleep(between(s, 500, 2_000));
        const alive = consumers.filter((c) => c.child.exitCode === null && c.child.signalCode === null);
        const victim = alive[Math.floor(s.random() * alive.length)];
        if (victim) {
          await stopApp(victim, 'SIGKILL');
          s.faults += 1;
        }
        await startConsumer();
        if (alive.length < 3 && s.random() < 0.3) await startConsumer();
      }
      await poisoning;
      s.log(`${s.faults} consumers killed with SIGKILL`);
    },
  });
}
