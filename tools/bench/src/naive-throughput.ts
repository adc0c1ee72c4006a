// The naive peer on the same pre-filled topic. It is too slow to drain millions of records in a benchmark's time,
// so its rate is taken over a window once it runs steadily.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BROKERS, createDatabase, newName, REGISTRY_URL, withClient } from './scratch.ts';

export interface NaiveResult {
  recordsPerSec: number;
}

const WARM_MS = 3_000;
const WINDOW_MS = 15_000;

export async function measureNaivePeer(options: { topic: string }): Promise<NaiveResult> {
  const database = await createDatabase();
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--no-warnings', join(import.meta.dirname, 'naive-peer.ts')],
    {
      env: {
        ...process.env,
        KAFKA_BROKERS: BROKERS.join(','),
        SCHEMA_REGISTRY_URL: REGISTRY_URL,
        DATABASE_URL: database.url,
        REPORT_TOPIC: options.topic,
        CONSUMER_GROUP: newName('naive'),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    return await withClient(database.url, async (client) => {
      const counted = async () =>
        Number(
          (
            await client
              .query<{ n: string | null }>('SELECT sum(event_count) AS n FROM aggregates_minute')
              .catch(() => ({ rows: [] }))
          ).rows[0]?.n ?? 0,
        );
      const deadline = Date.now() + 120_000;
      while ((await counted()) === 0) {
        if (child.exitCode !== null) throw new Error(`the naive peer exited with ${child.exitCode}`);
        if (Date.now() > deadline) throw new Error('the naive peer counted nothing in 2 minutes');
        await sleep(100);
      }
      await sleep(WARM_MS);
      const start = { at: performance.now(), n: await counted() };
      await sleep(WINDOW_MS);
      const end = { at: performance.now(), n: await counted() };
      return { recordsPerSec: (end.n - start.n) / ((end.at - start.at) / 1_000) };
    });
  } finally {
    child.kill('SIGTERM');
    await exited;
    await database.drop();
  }
}
