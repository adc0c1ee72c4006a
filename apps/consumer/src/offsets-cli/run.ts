// `pnpm consumer:offsets show | reset …` as a function of the consumer's config: the CLI's main.ts
// calls it, and so can a test. Returns the exit code: 0 done, 2 refused or a usage error.
import { createKafkaClient } from '@tally/kafka';
import pg from 'pg';
import pino from 'pino';
import type { ConsumerConfig } from '../config.ts';
import { parseOffsetsArgs, USAGE } from './args.ts';
import { inspectOffsets, wrongGroupOrTopic } from './inspect.ts';
import { applyReset, planReset } from './reset.ts';
import { formatOffsets } from './show.ts';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export async function runOffsetsCommand(
  config: Pick<ConsumerConfig, 'kafkaBrokers' | 'kafkaSecurity' | 'databaseUrl' | 'consumerGroup' | 'reportTopic'>,
  argv: string[],
  output: Output,
): Promise<number> {
  const parsed = parseOffsetsArgs(argv);
  if ('error' in parsed) {
    output.err(`${parsed.error}\n${USAGE}`);
    return 2;
  }
  if (parsed.command === 'help') {
    output.out(USAGE);
    return 0;
  }

  const kafka = createKafkaClient({
    clientId: 'tally-consumer-offsets',
    brokers: config.kafkaBrokers,
    security: config.kafkaSecurity,
    log: pino({ level: 'error' }, pino.destination(2)),
  });
  const admin = kafka.admin();
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 1 });
  pool.on('error', () => undefined);
  try {
    await admin.connect();
    await pool.query('SELECT 1 FROM consumer_offsets LIMIT 0').catch((error: { code?: string }) => {
      if (error.code !== '42P01') throw error;
      throw new Error(
        `the database in DATABASE_URL has no consumer_offsets table: not the consumer's database, or the consumer never started there (it migrates at start)`,
      );
    });
    const view = await inspectOffsets({ admin, pool, group: config.consumerGroup, topic: config.reportTopic });
    const wrong = wrongGroupOrTopic(view);
    if (wrong !== undefined) {
      output.err(wrong);
      return 2;
    }
    if (parsed.command === 'show') {
      for (const line of formatOffsets(view)) output.out(line);
      return 0;
    }
    const plan = planReset(view, parsed.to, parsed.partition);
    if ('refused' in plan) {
      output.err(`reset refused: ${plan.refused}`);
      return 2;
    }
    if (!(await applyReset(pool, view, plan))) {
      output.err('reset refused: a partition’s row changed meanwhile (a consumer resumed or joined); run show and try again');
      return 2;
    }
    for (const p of plan) {
      output.out(`partition ${p.partition}: next_offset ${p.from ?? '(none)'} → ${p.to}`);
    }
    output.out(
      `reset ${plan.length} partition${plan.length === 1 ? '' : 's'} of ${view.topic} for group ${view.group} on Kafka cluster ${view.clusterId}. ` +
        'A running consumer resumes a stopped partition within seconds; a stopped one starts there.',
    );
    return 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}
