import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@tally/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { infraPaths } from './paths.ts';
import { identityArgs, runningPid, startService, stopService, tailLog } from './processes.ts';

/** Running, not merely a zombie waiting for this test process (its parent) to reap it. */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

const until = (what: string, condition: () => boolean) => eventually(what, async () => condition(), 10_000, 50);

describe("the launcher's process control", () => {
  const root = mkdtempSync(join(tmpdir(), 'tally-processes-'));
  const paths = infraPaths(root);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const service = (name: string, code: string) => ({
    name,
    command: process.execPath,
    args: ['-e', code, '--', ...identityArgs(paths, name)],
  });

  it('starts a service in the background and stops it by pid', async () => {
    const pid = startService(paths, service('sleeper', "console.log('up'); setInterval(() => {}, 1000)"));
    expect(runningPid(paths, 'sleeper')).toBe(pid);
    await until('its first output', () => tailLog(paths, 'sleeper').endsWith('up'));
    expect(await stopService(paths, 'sleeper')).toBe(true);
    expect(alive(pid)).toBe(false);
    expect(runningPid(paths, 'sleeper')).toBeUndefined();
    expect(tailLog(paths, 'sleeper')).toMatch(/starting sleeper\nup$/);
  });

  it('kills a service that ignores SIGTERM once the grace period is over', async () => {
    const code = "process.on('SIGTERM', () => console.log('ignored SIGTERM')); console.log('ready'); setInterval(() => {}, 1000)";
    const pid = startService(paths, service('stubborn', code));
    await until('its SIGTERM handler', () => tailLog(paths, 'stubborn').endsWith('ready'));
    expect(await stopService(paths, 'stubborn', 500)).toBe(true);
    expect(alive(pid)).toBe(false);
    expect(tailLog(paths, 'stubborn')).toMatch(/ignored SIGTERM$/);
  });

  it('never signals a process that is not its own, even when a pid file names it', async () => {
    const stranger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const pid = stranger.pid ?? -1;
    try {
      mkdirSync(paths.run, { recursive: true });
      writeFileSync(join(paths.run, 'impostor.pid'), `${pid}\n`);
      expect(runningPid(paths, 'impostor')).toBeUndefined();
      expect(await stopService(paths, 'impostor')).toBe(false);
      expect(alive(pid)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
    }
  });
});
