// A 3-broker cluster of the suite's own (RF 3, min ISR 2), started by the project's launcher: one broker killed
// with SIGKILL under load and restarted. The producer keeps answering 202 only for acknowledged events, and nothing
// is lost.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { LAUNCHER_ARGS } from '@tally/testkit';
import type { Outcome, Scenario } from '../scenario.ts';
import { runWithLoad } from './common.ts';

const run = promisify(execFile);

export async function brokerKill(s: Scenario, basePort: number): Promise<Outcome> {
  const state = mkdtempSync(join(tmpdir(), 'tally-faults-cluster-'));
  const env = {
    ...process.env,
    TALLY_STATE_DIR: state,
    TALLY_KAFKA_PORT: String(basePort),
    TALLY_KAFKA_CONTROLLER_PORT: String(basePort + 100),
  };
  const launcher = (...args: string[]) => run(process.execPath, [...LAUNCHER_ARGS, ...args], { env });
  await launcher('up', '--only', 'kafka', '--brokers', '3');
  try {
    return await runWithLoad(s, {
      consumers: 2,
      rate: 2_000,
      seconds: 30,
      inject: async () => {
        await sleep(8_000);
        const pid = Number(readFileSync(join(state, 'run', 'kafka-2.pid'), 'utf8'));
        process.kill(pid, 'SIGKILL');
        s.faults += 1;
        s.log(`broker 2 (pid ${pid}) killed with SIGKILL`);
        await sleep(10_000);
        await launcher('up', '--only', 'kafka', '--brokers', '3');
        s.log('broker 2 restarted and back in the cluster');
      },
    });
  } finally {
    await launcher('down').catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
  }
}
