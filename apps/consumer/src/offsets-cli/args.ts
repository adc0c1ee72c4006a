// The arguments of `pnpm consumer:offsets`, parsed into a command or a usage error (no I/O here).
import { parseArgs } from 'node:util';

export const USAGE = `usage: pnpm consumer:offsets <command>   (group, topic, database and Kafka: the consumer's environment)
  show                                                   per partition: PostgreSQL's next_offset, the log's start and end,
                                                         the lag, and whether the log is the one the offsets came from
  reset --to earliest|latest|<offset> [--partition N]   rewrite next_offset (every partition, or N) for the log Kafka has
                                                         now; while consumers run, only partitions they stopped`;

export type ResetTarget = 'earliest' | 'latest' | bigint;

export type OffsetsCommand =
  | { command: 'show' }
  | { command: 'reset'; to: ResetTarget; partition: number | undefined }
  | { command: 'help' }
  | { error: string };

export function parseOffsetsArgs(argv: string[]): OffsetsCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv.filter((a) => a !== '--'));
  } catch (error) {
    return { error: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  const [command, ...extra] = positionals;
  if (extra.length > 0) return { error: `unexpected argument ${JSON.stringify(extra[0])}` };
  switch (command) {
    case 'show':
      if (values.to !== undefined || values.partition !== undefined) return { error: 'show takes no options' };
      return { command: 'show' };
    case 'reset': {
      if (values.to === undefined) return { error: 'reset: --to earliest|latest|<offset> is required' };
      const to = target(values.to);
      if (to === undefined)
        return {
          error: `reset: --to must be earliest, latest or an offset (a whole number ≥ 0), got ${JSON.stringify(values.to)}`,
        };
      let partition: number | undefined;
      if (values.partition !== undefined) {
        partition = /^\d{1,9}$/.test(values.partition) ? Number(values.partition) : Number.NaN;
        if (Number.isNaN(partition))
          return { error: `reset: --partition must be a partition number, got ${JSON.stringify(values.partition)}` };
      }
      return { command: 'reset', to, partition };
    }
    case undefined:
      return { error: 'a command is required: show or reset' };
    default:
      return { error: `unknown command ${JSON.stringify(command)}: show or reset` };
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { to: { type: 'string' }, partition: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
}

function target(value: string): ResetTarget | undefined {
  if (value === 'earliest' || value === 'latest') return value;
  // NOTE: Kafka offsets are signed 64-bit; anything longer than 18 digits could not be one.
  return /^\d{1,18}$/.test(value) ? BigInt(value) : undefined;
}
