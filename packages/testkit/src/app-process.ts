// The real producer, consumer and reports app, run as processes from their sources (Node 24 strips the types),
// so faults are real: SIGKILL, SIGSTOP and SIGTERM reach a whole process.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.ts';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * The V8 flags each app's start and dev scripts run it with (see its package.json). NOTE: the
 * consumer's small young generation and heap cap keep its peak RSS near 200 MiB; without them V8
 * grows the heap lazily to 500 MiB and more under a full topic.
 */
/** Node's arguments that run the local launcher (`pnpm infra:*`) from its sources. */
export const LAUNCHER_ARGS = ['--conditions=development', join(ROOT, 'tools', 'launcher', 'src', 'main.ts')];

const NODE_FLAGS = {
  producer: [],
  consumer: ['--max-old-space-size=160', '--max-semi-space-size=8'],
  reports: [],
} as const;

const PORT_VARIABLE = { producer: 'PRODUCER_PORT', consumer: 'CONSUMER_PORT', reports: 'REPORTS_PORT' } as const;

export interface AppProcess {
  name: string;
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  /** All it printed (stdout and stderr), when started with `captureOutput`. */
  output(): string;
}

export async function startApp(
  app: 'producer' | 'consumer' | 'reports',
  name: string,
  env: Record<string, string>,
  options: { captureOutput?: boolean } = {},
): Promise<AppProcess> {
  const port = await freePort();
  const portVariable = PORT_VARIABLE[app];
  const child = spawn(process.execPath, [...NODE_FLAGS[app], '--conditions=development', 'src/main.ts'], {
    cwd: join(ROOT, 'apps', app),
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, [portVariable]: String(port) },
    stdio: options.captureOutput ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'ignore', 'inherit'],
  });
  let printed = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, port, exited, output: () => printed };
}

/** Waits until the app answers /readyz with 200 (or fails if it exits first). */
export async function waitReady(app: AppProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null) throw new Error(`${app.name} exited with ${app.child.exitCode} while starting`);
    const ok = await fetch(`http://127.0.0.1:${app.port}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${app.name} not ready after ${timeoutMs} ms`);
}

export async function stopApp(app: AppProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGCONT');
    app.child.kill(signal);
  }
  return app.exited;
}
