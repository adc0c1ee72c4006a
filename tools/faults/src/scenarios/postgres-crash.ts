// PostgreSQL crashed under load (`pg_ctl stop -m immediate`) and started again, on a private cluster of the
// scenario's own (the shared server is never stopped), with synchronous_commit=off and the WAL writer frozen first,
// so the crash surely loses the last commits together with their offsets while the consumers' Kafka positions have
// moved past them. The consumers must read those records again on their own: no consumer is restarted. Poison
// dead-lettered in the lost window is sent to the dead-letter topic again (counted as crash-window duplicates).
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, startPrivatePostgres, startTcpProxy } from '@tally/testkit';
import { createPoison } from '../poison.ts';
import { type Outcome, type Scenario, waitForLagZero } from '../scenario.ts';
import { between, runWithLoad } from './common.ts';

const applied = async (url: string, group: string) =>
  Number(
    (
      await sql<{ n: string | null }>(url, 'SELECT sum(next_offset) AS n FROM consumer_offsets WHERE consumer_group = $1', [
        group,
      ])
    )[0]?.n ?? 0,
  );

export async function postgresCrash(s: Scenario): Promise<Outcome> {
  // NOTE: the database keeps the name the suite made on the shared server, so cleanup() drops that empty one and
  // nothing else. Every setting below keeps WAL from reaching the disk behind the frozen WAL writer's back:
  // synchronous_commit=off for every session (autovacuum's too), WAL buffers that do not fill, and no background
  // writer (which flushes WAL up to each dirty page it writes).
  const postgres = await startPrivatePostgres(
    { synchronous_commit: 'off', wal_buffers: '64MB', bgwriter_lru_maxpages: '0' },
    { database: new URL(s.databaseUrl).pathname.slice(1) },
  );
  // The consumers reach it through a proxy, so what survived the crash is read before they reconnect.
  const proxy = await startTcpProxy(postgres.port);
  const viaProxy = new URL(postgres.url);
  viaProxy.port = String(proxy.port);
  s.databaseUrl = postgres.url;
  const poison = createPoison(s);
  try {
    return await runWithLoad(s, {
      consumers: 2,
      rate: 2_000,
      seconds: 30,
      consumerEnv: {
        DATABASE_URL: viaProxy.toString(),
        CONSUMER_SYNCHRONOUS_COMMIT: 'off',
        CONSUMER_STATEMENT_TIMEOUT_MS: '3000',
      },
      poison: poison.injected,
      inject: async ({ consumers }, loadDone) => {
        await sleep(8_000);
        await postgres.freezeWalWriter();
        // Dead-lettered while the WAL writer is frozen, so their dead_letters rows are lost with the crash and
        // they are sent again: crash-window duplicates the oracle must count and allow.
        await poison.inject(30);
        await sleep(between(s, 2_000, 4_000));
        const before = await applied(postgres.url, s.group);
        await postgres.crash();
        await proxy.cut();
        s.faults += 1;
        const downMs = between(s, 2_000, 5_000);
        await sleep(downMs);
        await postgres.start();
        const after = await applied(postgres.url, s.group);
        await proxy.restore();
        s.log(
          `PostgreSQL crashed (pg_ctl stop -m immediate) for ${downMs} ms: applied records ${before} before, ${after} after recovery`,
        );
        // The scenario proves nothing unless commits were lost.
        if (after >= before) throw new Error(`the crash lost no commits (${before} applied before, ${after} after)`);
        while (!loadDone()) await sleep(500);
        await waitForLagZero(s);
        const gone = consumers.filter((c) => c.child.exitCode !== null || c.child.signalCode !== null);
        if (gone.length > 0) throw new Error(`${gone.map((c) => c.name).join(', ')} exited; no consumer may need a restart`);
        s.log(`lag 0 again with the same ${consumers.length} consumers, none restarted`);
      },
    });
  } finally {
    await proxy.cut();
    await postgres.remove();
  }
}
