import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

/** A kafkajs client whose logs go through the app's JSON logger (warnings and errors only). */
export function createKafkaClient(options: { clientId: string; brokers: string[]; log: Logger } & Partial<KafkaConfig>): Kafka {
  const { log, ...config } = options;
  const child = log.child({ component: 'kafkajs' });
  return new Kafka({
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        const method = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info';
        child[method]({ event: 'kafkajs_log', ...rest }, message);
      },
    ...config,
  });
}

/**
 * kafkajs 2.2.4 arms a timer with a negative delay when its request queue is idle, and Node 24
 * warns each time. Harmless (the timer fires at once); every other warning is still printed.
 */
export function silenceKafkajsTimerWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'TimeoutNegativeWarning') console.warn(warning);
  });
}
