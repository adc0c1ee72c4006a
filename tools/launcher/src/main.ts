// The local launcher: `pnpm infra:up|down|reset|status|pin|rotate-password` (see docs/local-infrastructure.md).
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pinArtifact } from './artifacts.ts';
import { launcherConfig } from './config.ts';
import { infraPaths } from './paths.ts';
import { rotatePassword } from './rotate-password.ts';
import { down, reset, type Stack, status, up } from './stack.ts';

const usage = `usage: pnpm infra:<command>
  up [--brokers 1|3] [--only kafka] [--secure | --plaintext]
                       check PostgreSQL (and RabbitMQ), start Kafka and the registry; wait until they answer;
                       --secure: TLS + SASL/SCRAM + ACLs, client settings in .local/secure/
  down                 stop the processes the launcher started
  reset                down, then wipe Kafka data, logs and Tally's databases
  status               what is running
  rotate-password <tally-producer|tally-consumer|tally-reports>
                       a new SCRAM password on the running secure broker; rewrites the app's env file
  pin <kafka|apicurio> <version>   fetch a version and record its checksums`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      brokers: { type: 'string' },
      only: { type: 'string' },
      secure: { type: 'boolean' },
      plaintext: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  const config = launcherConfig();
  const stack: Stack = { paths: infraPaths(undefined, config.stateDir), config, log: (line) => console.log(`[infra] ${line}`) };

  switch (command) {
    case 'up': {
      const brokers = values.brokers === undefined ? undefined : Number(values.brokers);
      if (brokers !== undefined && brokers !== 1 && brokers !== 3)
        throw new Error(`--brokers must be 1 or 3, got ${values.brokers}`);
      if (values.only !== undefined && values.only !== 'kafka') throw new Error(`--only takes kafka, got ${values.only}`);
      if (values.secure && values.plaintext) throw new Error('--secure and --plaintext exclude each other');
      const secure = values.secure ? true : values.plaintext ? false : undefined;
      const options = {
        ...(brokers === undefined ? {} : { brokers }),
        ...(secure === undefined ? {} : { secure }),
        kafkaOnly: values.only === 'kafka',
      };
      return withLock(stack, () => up(stack, options).then(() => 0));
    }
    case 'down':
      return withLock(stack, () => down(stack).then(() => 0));
    case 'reset':
      return withLock(stack, () => reset(stack).then(() => 0));
    case 'rotate-password': {
      const [principal] = rest;
      if (!principal) break;
      return withLock(stack, async () => {
        rotatePassword(stack, principal);
        return 0;
      });
    }
    case 'status':
      return (await status(stack)) ? 0 : 3;
    case 'pin': {
      const [kind, version] = rest;
      if ((kind !== 'kafka' && kind !== 'apicurio') || !version) break;
      stack.log(`recorded ${await pinArtifact(stack.paths, { kind, version })}`);
      return 0;
    }
  }
  console.error(usage);
  return 2;
}

/** One launcher at a time: `pnpm dev` and `pnpm test` in two terminals must not race. */
async function withLock(stack: Stack, work: () => Promise<number>): Promise<number> {
  const lock = join(stack.paths.run, 'launcher.lock');
  mkdirSync(stack.paths.run, { recursive: true });
  for (let waited = 0; ; waited += 500) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      if (!holderAlive(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited % 10_000 === 0) stack.log('waiting for another launcher to finish');
      await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function holderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // TRICKY: the holder creates the folder before it writes its pid; a young folder is taken.
    try {
      return Date.now() - statSync(lock).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[infra] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
