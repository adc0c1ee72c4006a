// `pnpm consumer:offsets show | reset --to earliest|latest|<offset> [--partition N]`: looks at, and
// rewrites, the consumer's offsets in PostgreSQL against the log Kafka has now. The group, topic,
// database and Kafka come from the consumer's own environment (config.ts, and its .env).
import { ConfigError } from '@tally/config';
import { loadDotEnv } from '@tally/runtime';
import { loadConfig } from '../config.ts';
import { runOffsetsCommand } from './run.ts';

loadDotEnv();
try {
  const config = loadConfig(process.env);
  process.exitCode = await runOffsetsCommand(config, process.argv.slice(2), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
