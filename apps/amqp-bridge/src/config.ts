// Everything the AMQP bridge reads from its environment, parsed once at boot; nothing else reads
// `process.env`.
import {
  amqpUrl,
  ConfigError,
  DEFAULTS,
  deadLetterTopicField,
  listenFields,
  parseEnv,
  type ReportEventConfig,
  reportEventConfig,
  reportEventFields,
} from '@tally/config';
import { z } from 'zod';

/**
 * RabbitMQ closes a channel whose delivery stays unacked for `consumer_timeout` (30 minutes by
 * default); the bridge releases what it holds well before that.
 */
const RELEASE_CEILING_MS = 25 * 60_000;

const schema = z.object({
  ...reportEventFields,
  ...deadLetterTopicField,
  ...listenFields('BRIDGE', DEFAULTS.ports.bridge),
  AMQP_URL: amqpUrl.default(DEFAULTS.amqpUrl),
  /** The queue the publishers declare and publish to (`routing_key`, with the default exchange). */
  AMQP_QUEUE: z
    .string()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters')
    .refine((name) => !name.startsWith('amq.'), 'must not start with "amq." (reserved by RabbitMQ)')
    .default(DEFAULTS.amqpQueue),
  /** Deliveries RabbitMQ hands the bridge before it acknowledges any: the most it holds unacked. */
  AMQP_PREFETCH: z.coerce.number().int().min(1, 'must be at least 1').max(10_000, 'must be at most 10000').default(500),
  /** How long deliveries may wait on Kafka or the registry before the bridge hands them back to RabbitMQ. */
  AMQP_RELEASE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1_000, 'must be at least 1000')
    .max(RELEASE_CEILING_MS, `must be at most ${RELEASE_CEILING_MS} (RabbitMQ's consumer_timeout is 30 minutes by default)`)
    .default(10 * 60_000),
});

export interface BridgeConfig extends ReportEventConfig {
  amqpUrl: string;
  queue: string;
  prefetch: number;
  releaseAfterMs: number;
  deadLetterTopic: string;
  port: number;
  host: string;
}

export function loadConfig(env: Record<string, string | undefined>): BridgeConfig {
  const parsed = parseEnv(schema, env);
  if (parsed.DEAD_LETTER_TOPIC === parsed.REPORT_TOPIC) {
    throw new ConfigError([`DEAD_LETTER_TOPIC: must differ from REPORT_TOPIC (both ${JSON.stringify(parsed.REPORT_TOPIC)})`]);
  }
  return {
    ...reportEventConfig(parsed),
    amqpUrl: parsed.AMQP_URL,
    queue: parsed.AMQP_QUEUE,
    prefetch: parsed.AMQP_PREFETCH,
    releaseAfterMs: parsed.AMQP_RELEASE_AFTER_MS,
    deadLetterTopic: parsed.DEAD_LETTER_TOPIC,
    port: parsed.BRIDGE_PORT,
    host: parsed.BRIDGE_HOST,
  };
}
