// A consumer frozen with SIGSTOP past its session timeout while the other takes over, then resumed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Outcome, Scenario } from '../scenario.ts';
import { runWithLoad } from './common.ts';

export function zombie(s: Scenario): Promise<Outcome> {
  return runWithLoad(s, {
    consumers: 2,
    rate: 2_000,
    seconds: 20,
    inject: async ({ consumers }) => {
      const frozen = consumers[0];
      if (!frozen) return;
      await sleep(4_000);
      frozen.child.kill('SIGSTOP');
      s.faults += 1;
      s.log('consumer-1 frozen (SIGSTOP) for 10 s, past its 6 s session timeout');
      await sleep(10_000);
      frozen.child.kill('SIGCONT');
    },
  });
}
