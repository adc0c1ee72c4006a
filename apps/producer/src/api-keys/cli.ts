// `pnpm api-keys create --name <who> [--rate-limit <requests a minute>] | list | revoke <id>`
// Manages the key file the producer reads (INGEST_API_KEYS_FILE, or --file). The key itself is
// printed once, at creation; the file keeps only its hash.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { newKey, readKeyFile, writeKeyFile } from './key-file.ts';

const usage = `usage: pnpm api-keys <command> [--file <path>]   (default: $INGEST_API_KEYS_FILE)
  create --name <who> [--rate-limit <requests a minute>]   make a key; prints it once
  list                                                      ids, names, limits, revoked or not
  revoke <id>                                               refuse the key from now on (within ~1 s)`;

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { file: { type: 'string' }, name: { type: 'string' }, 'rate-limit': { type: 'string' } },
  });
  const [command, id] = positionals;
  const file = values.file ?? process.env.INGEST_API_KEYS_FILE;
  if (!file || !command) return fail(usage);
  // NOTE: pnpm runs this in apps/producer; a relative path is taken from where pnpm was started.
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);
  const keys = readKeyFile(path);

  switch (command) {
    case 'create': {
      if (!values.name) return fail('create: --name is required (who or what will use the key)');
      const limit = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
        return fail(`create: --rate-limit must be a whole number of requests a minute, got ${values['rate-limit']}`);
      const { secret, record } = newKey(values.name, limit);
      writeKeyFile(path, [...keys, record]);
      console.error(`created key ${record.id} for ${record.name} in ${path}; it is shown once, here:`);
      console.log(secret);
      return 0;
    }
    case 'list':
      for (const key of keys) {
        const state = key.revoked_at === null ? 'active' : `revoked ${key.revoked_at}`;
        const limit = key.rate_limit_per_minute === undefined ? 'default limit' : `${key.rate_limit_per_minute}/min`;
        console.log(`${key.id}  ${key.name.padEnd(24)} ${limit.padEnd(14)} created ${key.created_at}  ${state}`);
      }
      return 0;
    case 'revoke': {
      const key = keys.find((k) => k.id === id);
      if (!key) return fail(`revoke: no key with id ${JSON.stringify(id ?? '')} in ${path}`);
      if (key.revoked_at === null) key.revoked_at = new Date().toISOString();
      writeKeyFile(path, keys);
      console.error(`revoked ${key.id} (${key.name})`);
      return 0;
    }
  }
  return fail(usage);
}

function fail(message: string): number {
  console.error(message);
  return 2;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
