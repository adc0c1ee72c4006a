// `pnpm load` and `pnpm check:ledger` as processes of their own (load gets its own core and can be
// killed alone), for the fault suite, the benchmark and the browser test.
import { readFileSync } from 'node:fs';
import { runToEnd } from '@tally/testkit';
import type { LoadSummary } from './runner.ts';

export type { LoadSummary };

const MAIN = new URL('./main.ts', import.meta.url).pathname;
const CHECK = new URL('./check-ledger.ts', import.meta.url).pathname;

export interface LoadOptions {
  url: string;
  rate: number;
  seconds: number;
  seed: number;
  /** Where the ledger goes. */
  ledger: string;
  batch?: number;
  concurrency?: number;
  users?: number;
  skew?: number;
  resend?: number;
  drainSeconds?: number;
  /** The edges of what clients send (see `pnpm load --help`); unset: none. */
  noIds?: number;
  keys?: number;
  keyRetries?: number;
  keyTimeouts?: number;
  mixedCase?: number;
  isoTimes?: number;
}

/** What the ledger's summary counts, as the load process ended with them (see LoadSummary). */
type SummaryCounts = Pick<
  LoadSummary,
  | 'unavailable'
  | 'abandoned'
  | 'uncertain'
  | 'noIdEvents'
  | 'keyedRequests'
  | 'keyRetries'
  | 'keyTimeouts'
  | 'mixedCaseIds'
  | 'isoTimes'
  | 'idViolations'
  | 'violations'
>;

export interface LoadResult extends SummaryCounts {
  /** The summary line it printed last; undefined when it died before printing one. */
  summary: LoadSummary | undefined;
  exitCode: number | null;
  accepted: number;
  resends: number;
  stderr: string;
}

function args(o: LoadOptions): string[] {
  const optional: [string, number | undefined][] = [
    ['--batch', o.batch],
    ['--concurrency', o.concurrency],
    ['--users', o.users],
    ['--skew', o.skew],
    ['--resend', o.resend],
    ['--drain', o.drainSeconds],
    ['--no-ids', o.noIds],
    ['--keys', o.keys],
    ['--key-retries', o.keyRetries],
    ['--key-timeouts', o.keyTimeouts],
    ['--mixed-case', o.mixedCase],
    ['--iso-times', o.isoTimes],
  ];
  return [
    '--conditions=development',
    MAIN,
    ...['--url', o.url, '--rate', String(o.rate), '--duration', String(o.seconds), '--seed', String(o.seed)],
    ...optional.flatMap(([flag, value]) => (value === undefined ? [] : [flag, String(value)])),
    ...['--ledger', o.ledger],
  ];
}

/**
 * Runs the load generator to its end. NOTE: a non-zero exit only says some requests failed (a
 * killed producer, say); the ledger holds exactly the 202s, which is what numbers are checked
 * against, so it rejects only when no ledger was written.
 */
export async function runLoadProcess(options: LoadOptions): Promise<LoadResult> {
  const { code, stdout, stderr } = await runToEnd(process.execPath, args(options));
  let ledger: { accepted: number; resends: number; summary: LoadSummary };
  try {
    ledger = JSON.parse(readFileSync(options.ledger, 'utf8'));
  } catch {
    throw new Error(`pnpm load exited with ${code} and wrote no ledger:\n${stderr.slice(-2_000)}`);
  }
  return {
    summary: lastJsonLine(stdout),
    exitCode: code,
    accepted: ledger.accepted,
    resends: ledger.resends,
    unavailable: ledger.summary.unavailable,
    abandoned: ledger.summary.abandoned,
    uncertain: ledger.summary.uncertain,
    noIdEvents: ledger.summary.noIdEvents,
    keyedRequests: ledger.summary.keyedRequests,
    keyRetries: ledger.summary.keyRetries,
    keyTimeouts: ledger.summary.keyTimeouts,
    mixedCaseIds: ledger.summary.mixedCaseIds,
    isoTimes: ledger.summary.isoTimes,
    idViolations: ledger.summary.idViolations,
    violations: ledger.summary.violations,
    stderr: stderr.slice(-2_000),
  };
}

/** The summary, for callers that need one (the benchmark): fails when the run printed none. */
export async function loadSummary(options: LoadOptions): Promise<LoadSummary> {
  const result = await runLoadProcess(options);
  if (!result.summary) throw new Error(`pnpm load exited with ${result.exitCode} without a summary:\n${result.stderr}`);
  return result.summary;
}

function lastJsonLine(out: string): LoadSummary | undefined {
  try {
    return JSON.parse(out.trim().split('\n').at(-1) ?? '') as LoadSummary;
  } catch {
    return undefined;
  }
}

/** `pnpm check:ledger` against a database: its exit code and what it printed. */
export async function runCheckLedger(ledgerFile: string, databaseUrl: string): Promise<{ code: number | null; output: string }> {
  const { code, stdout, stderr } = await runToEnd(process.execPath, ['--conditions=development', CHECK, ledgerFile], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  if (stderr) process.stderr.write(stderr);
  return { code, output: stdout };
}
