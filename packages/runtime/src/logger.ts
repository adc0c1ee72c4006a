// The apps' logger: JSON lines on stdout (pino), each tagged with the service that wrote it.
import pino, { type Level, type Logger } from 'pino';

export type { Logger };

export function createLogger(service: string, level: Level | 'silent'): Logger {
  return pino({ level, base: { service } });
}
