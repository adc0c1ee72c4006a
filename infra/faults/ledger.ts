import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './apps.ts';

/** Runs `pnpm load`'s CLI against a producer and returns the ledger it wrote. */
export interface LoadResult {
  accepted: number;
  resends: number;
  unavailable: number;
  /** Events never accepted, even after retries: their fate is unknown, so the check can't be exact. */
  abandoned: number;
  file: string;
}

export function runLoad(options: {
  url: string;
  rate: number;
  seconds: number;
  seed: number;
  resend?: number;
  drainSeconds?: number;
  file: string;
}): Promise<LoadResult> {
  const args = [
    '--conditions=development',
    join(ROOT, 'apps/producer/src/load/main.ts'),
    '--url',
    options.url,
    '--rate',
    String(options.rate),
    '--duration',
    String(options.seconds),
    '--seed',
    String(options.seed),
    '--skew',
    '1.1',
    '--batch',
    '100',
    '--resend',
    String(options.resend ?? 0),
    '--drain',
    String(options.drainSeconds ?? 30),
    '--ledger',
    options.file,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('exit', () => {
      // A non-zero exit only says some requests failed (e.g. a killed producer); the ledger holds
      // exactly the 202s, which is what the numbers are checked against.
      try {
        const ledger = JSON.parse(readFileSync(options.file, 'utf8')) as {
          accepted: number;
          resends: number;
          summary: { unavailable: number; abandoned: number };
        };
        resolve({
          accepted: ledger.accepted,
          resends: ledger.resends,
          unavailable: ledger.summary.unavailable,
          abandoned: ledger.summary.abandoned,
          file: options.file,
        });
      } catch (error) {
        reject(error);
      }
    });
  });
}
