// The producer stopped with SIGTERM under load: every event it answered 202 is in the totals.
import { setTimeout as sleep } from 'node:timers/promises';
import { stopApp } from '@tally/testkit';
import type { Outcome, Scenario } from '../scenario.ts';
import { runWithLoad } from './common.ts';

export function producerSigterm(s: Scenario): Promise<Outcome> {
  return runWithLoad(s, {
    consumers: 1,
    rate: 3_000,
    seconds: 10,
    // Requests after the shutdown are refused at the socket; their events never reached Kafka.
    drainSeconds: 0,
    inject: async ({ producer }) => {
      await sleep(4_000);
      const code = await stopApp(producer, 'SIGTERM');
      s.faults += 1;
      s.log(`producer stopped with SIGTERM under load, exit code ${code}`);
      if (code !== 0) throw new Error(`the producer exited with ${code} on SIGTERM`);
    },
  });
}
