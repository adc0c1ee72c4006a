// Client resends (same event_id) and poison produced straight to the topic: resends counted once, dead letters = poison.
import { setTimeout as sleep } from 'node:timers/promises';
import { createPoison } from '../poison.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { runWithLoad } from './common.ts';

export function poisonAndResends(s: Scenario): Promise<Outcome> {
  const poison = createPoison(s);
  return runWithLoad(s, {
    consumers: 1,
    rate: 2_000,
    seconds: 12,
    resend: 0.05,
    poison: poison.injected,
    inject: async () => {
      await sleep(3_000);
      await poison.inject(60);
      s.faults += 60;
    },
  });
}
