// The real producer, consumer, reports app and AMQP bridge, run as processes from their sources (Node 24 strips the types),
// so faults are real: SIGKILL, SIGSTOP and SIGTERM reach a whole process.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './eventually.ts';
import { freePort } from './ports.ts';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Node's arguments that run the local launcher (`pnpm infra:*`) from its sources. */
export const LAUNCHER_ARGS = ['--conditions=development', join(ROOT, 'tools', 'launcher', 'src', 'main.ts')];

type App = 'producer' | 'consumer' | 'reports' | 'amqp-bridge';

/** The variable each app takes its HTTP port from. */
const PORT_VARIABLE: Record<App, string> = {
  producer: 'PRODUCER_PORT',
  consumer: 'CONSUMER_PORT',
  reports: 'REPORTS_PORT',
  'amqp-bridge': 'BRIDGE_PORT',
};

/**
 * The V8 flags of the app's own start script (its package.json is their one home). NOTE: the
 * consumer's small young generation and heap cap keep its peak RSS near 200 MiB; without them V8
 * grows the heap lazily to 500 MiB and more under a full topic.
 */
function nodeFlags(app: App): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'apps', app, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return scripts.start.split(/\s+/).filter((arg) => arg.startsWith('--max-'));
}

export interface AppProcess {
  name: string;
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  /** All it printed (stdout and stderr), when started with `captureOutput`. */
  output(): string;
}

export async function startApp(
  app: App,
  name: string,
  env: Record<string, string>,
  options: { captureOutput?: boolean } = {},
): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags(app), '--conditions=development', 'src/main.ts'], {
    cwd: join(ROOT, 'apps', app),
    // TALLY_DOTENV unset: a developer's apps/<app>/.env must not leak into a test's app.
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, TALLY_DOTENV: '', [PORT_VARIABLE[app]]: String(port) },
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
  await eventually(
    `${app.name} to answer /readyz with 200`,
    async () => {
      if (app.child.exitCode !== null) throw new Error(`${app.name} exited with ${app.child.exitCode} while starting`);
      return fetch(`http://127.0.0.1:${app.port}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
        (r) => r.ok,
        () => false,
      );
    },
    timeoutMs,
    200,
  );
}

export async function stopApp(app: AppProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGCONT');
    app.child.kill(signal);
  }
  return app.exited;
}
