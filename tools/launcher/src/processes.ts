// A background service the launcher owns: its pid lives in `.local/run/<name>.pid` and its output in
// `.local/logs/<name>.log`. Every command line carries `-Dtally.service=<name>` and `-Dtally.home=<.local>`, so a
// pid reused by someone else's process is never mistaken for ours.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InfraPaths } from './paths.ts';

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export function identityArgs(paths: InfraPaths, name: string): string[] {
  return [`-Dtally.service=${name}`, `-Dtally.home=${paths.local}`];
}

export function logFile(paths: InfraPaths, name: string): string {
  return join(paths.logs, `${name}.log`);
}

function pidFile(paths: InfraPaths, name: string): string {
  return join(paths.run, `${name}.pid`);
}

function readPid(paths: InfraPaths, name: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile(paths, name), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isOurs(paths: InfraPaths, name: string, pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z) has exited; it only waits for its parent to reap it.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && identityArgs(paths, name).every((arg) => cmdline.includes(arg));
  } catch {
    return false;
  }
}

/** The pid of our running instance of `name`, if there is one. */
export function runningPid(paths: InfraPaths, name: string): number | undefined {
  const pid = readPid(paths, name);
  return pid !== undefined && isOurs(paths, name, pid) ? pid : undefined;
}

export function startService(paths: InfraPaths, spec: ServiceSpec): number {
  mkdirSync(paths.logs, { recursive: true });
  mkdirSync(paths.run, { recursive: true });
  const log = openSync(logFile(paths, spec.name), 'a');
  writeFileSync(log, `\n--- ${new Date().toISOString()} starting ${spec.name}\n`);
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd ?? paths.root,
    env: { ...process.env, ...spec.env },
    detached: true, // its own process group: Ctrl-C in `pnpm dev` leaves the infrastructure up
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  child.unref();
  writeFileSync(pidFile(paths, spec.name), `${child.pid}\n`);
  return child.pid;
}

/** SIGTERM, then SIGKILL after `graceMs`; only ever to a process that carries our identity. */
export async function stopService(paths: InfraPaths, name: string, graceMs = 30_000): Promise<boolean> {
  const pid = runningPid(paths, name);
  rmSync(pidFile(paths, name), { force: true });
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (exited(paths, name, pid)) return true;
    await sleep(200);
  }
  process.kill(pid, 'SIGKILL');
  while (!exited(paths, name, pid)) await sleep(100);
  return true;
}

/**
 * Gone: no such process, a zombie, or the pid now someone else's. TRICKY: an exiting process shows
 * an empty command line for a moment before it becomes a zombie (seen under load); that is not
 * gone yet, so the identity check alone would return too early.
 */
function exited(paths: InfraPaths, name: string, pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return true;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline !== '' && !isOurs(paths, name, pid);
  } catch {
    return true;
  }
}

/** The last lines of a service's log, for the error message when it fails to start. */
export function tailLog(paths: InfraPaths, name: string, lines = 40): string {
  try {
    const text = readFileSync(logFile(paths, name), 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
