// An app's start as every main.ts does it: its logger, the app built, its server listening, and
// one `<name>_started` line saying where and how it reaches Kafka.
import type { FastifyInstance } from 'fastify';
import type { Level } from 'pino';
import { createLogger } from './logger.ts';
import type { Running } from './run-main.ts';

export interface ServedConfig {
  logLevel: Level | 'silent';
  port: number;
  host: string;
  /** Safe to log: no secret in it. */
  kafkaSecurity: { describe: object };
}

export interface App {
  server: FastifyInstance;
  stop(): Promise<void>;
}

export async function serve<C extends ServedConfig>(
  name: string,
  config: C,
  start: (config: C, log: ReturnType<typeof createLogger>) => Promise<App>,
  details: Record<string, unknown> = {},
): Promise<Running> {
  const log = createLogger(name, config.logLevel);
  const app = await start(config, log);
  await app.server.listen({ port: config.port, host: config.host });
  log.info(
    { event: `${name}_started`, port: config.port, kafka: config.kafkaSecurity.describe, ...details },
    `${name} started at http://${config.host}:${config.port}/`,
  );
  return { log, stop: () => app.stop() };
}
