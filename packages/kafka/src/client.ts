// createKafkaClient: the kafkajs client every Tally app uses (JSON logs, TLS and SASL when set), and
// the scrubber that keeps the SASL password out of its logs.
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkajsLogCreator } from './log.ts';

/** TLS and SASL settings as @tally/config's kafkaSecurity() gives them (both unset: plaintext). */
export interface KafkaClientSecurity {
  ssl: { ca: string[]; rejectUnauthorized: true } | undefined;
  sasl: { mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain'; username: string; password: string } | undefined;
}

/**
 * A kafkajs client whose logs go through the app's JSON logger (warnings and errors only), with
 * TLS and SASL when configured. The SASL password is scrubbed from every line kafkajs logs, and the
 * group coordinator's start-up wait is one warning rather than a run of errors (see log.ts).
 */
export function createKafkaClient(
  options: { clientId: string; brokers: string[]; log: Logger; security?: KafkaClientSecurity } & Partial<KafkaConfig>,
): Kafka {
  const { log, security, ...config } = options;
  return new Kafka({
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogCreator({ log: log.child({ component: 'kafkajs' }), scrub: secretScrubber(security?.sasl?.password) }),
    ...(security?.ssl ? { ssl: security.ssl } : {}),
    ...(security?.sasl ? { sasl: security.sasl as SASLOptions } : {}),
    ...config,
  });
}

/** Replaces the secret wherever it occurs in a value (strings, arrays, plain objects, errors). */
export function secretScrubber(secret: string | undefined): <T>(value: T) => T {
  if (!secret) return (value) => value;
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return value.includes(secret) ? value.split(secret).join('***') : value;
    if (depth > 6 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1));
    if (value instanceof Error)
      return { type: value.name, message: walk(value.message, depth + 1), stack: walk(value.stack, depth + 1) };
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, depth + 1)]));
  };
  return <T>(value: T) => walk(value, 0) as T;
}
