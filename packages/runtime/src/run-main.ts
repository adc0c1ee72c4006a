// Every app's process from start to exit: start it, stop it on SIGTERM or SIGINT within a bound,
// and exit 1 with the reason when it cannot start, stop cleanly or stop in time.
import { existsSync } from 'node:fs';
import { ConfigError } from '@tally/config';
import type { Logger } from 'pino';

export interface Running {
  log: Logger;
  /** Graceful: finish what is in flight, then release everything. */
  stop(): Promise<void>;
}

export interface RunOptions {
  /** snake_case, used in the event names: `<name>_stopping`, `<name>_stopped`, … */
  name: string;
  /**
   * How long a stop may take before the process exits 1 anyway: a dependency that never answers
   * (Kafka down during a flush) must not hold the exit for ever.
   */
  stopTimeoutMs: number;
  /** What the stop waits for, for the log line. */
  stopping?: string;
}

/**
 * The file TALLY_DOTENV names (the apps' dev and start scripts name their folder's `.env`), when it
 * exists, under what the environment already sets; unset, nothing is read.
 * NOTE: not `node --env-file-if-exists=.env`: under `--watch` a missing file makes Node 24 abort
 * with a native stack trace on Ctrl-C (nodejs/node#64821), and it says ".env not found" at every
 * start.
 */
export function loadDotEnv(file = process.env.TALLY_DOTENV): void {
  if (file && existsSync(file)) process.loadEnvFile(file);
}

export function runMain(start: () => Promise<Running>, options: RunOptions): void {
  const { name, stopTimeoutMs } = options;
  loadDotEnv();
  start().then(
    ({ log, stop }) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        log.info({ event: `${name}_stopping`, signal }, `${name} stopping${options.stopping ? `: ${options.stopping}` : ''}`);
        setTimeout(() => {
          log.error({ event: `${name}_stop_timeout`, after_ms: stopTimeoutMs }, `${name} did not stop in time`);
          process.exit(1);
        }, stopTimeoutMs).unref();
        stop().then(
          () => {
            log.info({ event: `${name}_stopped` }, `${name} stopped`);
            process.exit(0);
          },
          (error: unknown) => {
            log.error({ event: `${name}_stop_failed`, err: error }, `${name} stop failed`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    },
    (error: unknown) => {
      console.error(error instanceof ConfigError ? error.message : error);
      process.exit(1);
    },
  );
}
