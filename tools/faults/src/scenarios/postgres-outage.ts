// PostgreSQL unavailable for 30 s under load, at a proxy the suite owns (the shared server stays up).
import { setTimeout as sleep } from 'node:timers/promises';
import { startTcpProxy } from '@tally/testkit';
import type { Outcome, Scenario } from '../scenario.ts';

import { runWithLoad } from './common.ts';

export async function postgresOutage(s: Scenario): Promise<Outcome> {
  const target = new URL(s.databaseUrl);
  const proxy = await startTcpProxy(Number(target.port || 5432));
  const viaProxy = new URL(s.databaseUrl);
  viaProxy.port = String(proxy.port);
  try {
    return await runWithLoad(s, {
      consumers: 2,
      rate: 2_000,
      seconds: 40,
      consumerEnv: { DATABASE_URL: viaProxy.toString(), CONSUMER_STATEMENT_TIMEOUT_MS: '3000' },
      inject: async () => {
        await sleep(5_000);
        await proxy.cut();
        s.faults += 1;
        s.log('PostgreSQL cut off for 30 s');
        await sleep(30_000);
        await proxy.restore();
      },
    });
  } finally {
    await proxy.cut();
  }
}
