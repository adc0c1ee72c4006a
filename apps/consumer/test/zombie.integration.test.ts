import { type ChildProcess, spawn } from 'node:child_process';
import {
  actualRows,
  appliedRecords,
  countedEvents,
  eventually,
  expectedRows,
  freePort,
  produceEvents,
  reportEvent,
} from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedPipeline, startTestConsumer } from './fixture.ts';

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

describe('a consumer frozen past its session timeout (a zombie)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('is fenced when it wakes up: the numbers stay exact while a second consumer took over', async () => {
    const { url, config, ...n } = await isolatedPipeline(cleanups, 4);
    const db = { url };

    // The zombie is a real consumer process, so SIGSTOP freezes all of it: event loop, heartbeats.
    const zombie = spawn(process.execPath, ['--conditions=development', 'src/main.ts'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REPORT_TOPIC: n.topic,
        DEAD_LETTER_TOPIC: n.deadLetterTopic,
        CONSUMER_GROUP: n.group,
        CONSUMER_PORT: String(await freePort()),
        CONSUMER_SESSION_TIMEOUT_MS: '6000',
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    cleanups.push(async () => {
      zombie.kill('SIGCONT');
      zombie.kill('SIGKILL');
      await exited(zombie);
    });

    const first = Array.from({ length: 400 }, (_, i) => reportEvent({ user_id: `z${i % 17}` }));
    await produceEvents(n.topic, first);
    await eventually('the zombie-to-be counted the first 400', async () => (await countedEvents(db.url)) === 400);

    zombie.kill('SIGSTOP');
    const second = Array.from({ length: 400 }, (_, i) => reportEvent({ user_id: `z${i % 17}` }));
    await produceEvents(n.topic, second);
    const survivor = await startTestConsumer(config({ CONSUMER_SESSION_TIMEOUT_MS: '6000' }));
    cleanups.push(() => survivor.stop());
    // The survivor gets the partitions once the group gives up on the frozen member.
    await eventually('the survivor counted the next 400', async () => (await countedEvents(db.url)) === 800, 90_000);

    zombie.kill('SIGCONT');
    const third = Array.from({ length: 400 }, (_, i) => reportEvent({ user_id: `z${i % 17}` }));
    await produceEvents(n.topic, third);
    await eventually('all 1,200 applied', async () => (await appliedRecords(db.url, n.group)) === 1_200, 90_000);
    // Give the woken zombie time to try whatever it held when it froze.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await countedEvents(db.url)).toBe(1_200);
    expect(await actualRows(db.url)).toEqual(expectedRows([...first, ...second, ...third]));

    zombie.kill('SIGTERM');
    expect(await exited(zombie)).toBe(0);
  }, 240_000);
});
