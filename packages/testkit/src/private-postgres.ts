// A PostgreSQL cluster of a test's own, for faults the shared server must never see (a crash):
// initdb in a temporary directory, run as the `postgres` OS user (initdb and postgres refuse
// root), on a free port, trusting local connections. Stopped and removed by its own data directory.
// Used by the consumer's crash test and the fault suite's postgres-crash scenario.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from './database.ts';
import { freePort } from './ports.ts';

const run = promisify(execFile);
const BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  /** A database made in the cluster, owned by the superuser `postgres`. */
  url: string;
  port: number;
  /** `pg_ctl stop -m immediate`: no checkpoint, no WAL flush; what a crash leaves behind. */
  crash(): Promise<void>;
  start(): Promise<void>;
  /**
   * SIGSTOPs the WAL writer: from then on WAL reaches the OS only when a backend needs to
   * (a synchronous commit, full WAL buffers), so a crash surely loses the asynchronous commits
   * made since. The next `crash` kills it (the postmaster SIGKILLs children that ignore SIGQUIT).
   */
  freezeWalWriter(): Promise<void>;
  /** Stops the cluster (if running) and removes its directory. */
  remove(): Promise<void>;
}

/**
 * `settings`: `-c name=value` server options, for example a lazy WAL writer. `database`: the name of
 * the database made in it (default `tally`).
 */
export async function startPrivatePostgres(
  settings: Record<string, string> = {},
  { database = 'tally' }: { database?: string } = {},
): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-private-pg-'));
  const idOf = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  await chown(dir, await idOf('-u'), await idOf('-g'));
  const data = join(dir, 'data');
  const asPostgres = (command: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', join(BIN, command), ...args]);
  await asPostgres('initdb', ['-D', data, '--auth=trust', '--username=postgres', '--no-sync']);
  const port = await freePort();
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=on']
    .concat(Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`))
    .join(' ');
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  };
  await start();
  const admin = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  await sql(admin, `CREATE DATABASE ${database}`);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/${database}`,
    port,
    crash: async () => {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    start,
    freezeWalWriter: async () => {
      const [writer] = await sql<{ pid: number }>(admin, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'");
      if (!writer) throw new Error('no walwriter process in pg_stat_activity');
      process.kill(writer.pid, 'SIGSTOP');
    },
    remove: async () => {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
