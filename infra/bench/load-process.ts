import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../faults/apps.ts';

/** `pnpm load` as its own process (its own core), and the summary it prints as JSON. */
export interface LoadSummary {
  seconds: number;
  accepted: number;
  acceptedPerSecond: number;
  unavailable: number;
  rejected: number;
  errors: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export function runLoadProcess(options: {
  url: string;
  rate: number;
  seconds: number;
  batch: number;
  concurrency: number;
  seed: number;
  ledger: string;
}): Promise<LoadSummary> {
  const args = [
    '--conditions=development',
    join(ROOT, 'apps/producer/src/load/main.ts'),
    ...['--url', options.url, '--rate', String(options.rate), '--duration', String(options.seconds)],
    ...['--batch', String(options.batch), '--concurrency', String(options.concurrency), '--seed', String(options.seed)],
    ...['--drain', '5', '--ledger', options.ledger],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as LoadSummary);
      } catch {
        reject(new Error(`pnpm load exited with ${code}:\n${err.slice(-2_000)}`));
      }
    });
  });
}
