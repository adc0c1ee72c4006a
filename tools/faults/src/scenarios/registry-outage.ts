// The schema registry unreachable under load (at a proxy the suite owns) while a consumer with a cold cache
// starts: it must wait for the registry, not dead-letter the records.
import { setTimeout as sleep } from 'node:timers/promises';
import { SCHEMA_REGISTRY_URL, startTcpProxy, stopApp } from '@tally/testkit';
import type { Outcome, Scenario } from '../scenario.ts';

import { runWithLoad } from './common.ts';

const REGISTRY_URL = SCHEMA_REGISTRY_URL;

export async function registryOutage(s: Scenario): Promise<Outcome> {
  const registry = new URL(REGISTRY_URL);
  const proxy = await startTcpProxy(Number(registry.port));
  const viaProxy = new URL(REGISTRY_URL);
  viaProxy.port = String(proxy.port);
  try {
    return await runWithLoad(s, {
      consumers: 1,
      rate: 2_000,
      seconds: 25,
      consumerEnv: { SCHEMA_REGISTRY_URL: viaProxy.toString() },
      inject: async ({ consumers, startConsumer }) => {
        await sleep(4_000);
        await proxy.cut();
        s.faults += 1;
        s.log('registry cut off for 12 s; the consumer is replaced by one with a cold cache');
        const first = consumers[0];
        if (first) await stopApp(first, 'SIGKILL');
        s.faults += 1;
        await startConsumer();
        await sleep(12_000);
        await proxy.restore();
      },
    });
  } finally {
    await proxy.cut();
  }
}
