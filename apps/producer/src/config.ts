// Everything the producer reads from its environment, parsed once at boot; nothing else reads
// `process.env`.
import { DEFAULTS, listenFields, parseEnv, type ReportEventConfig, reportEventConfig, reportEventFields } from '@tally/config';
import { z } from 'zod';

const schema = z.object({
  ...reportEventFields,
  ...listenFields('PRODUCER', DEFAULTS.ports.producer),
  /** How long a request's events may wait for others to share a produce request. */
  PRODUCER_LINGER_MS: z.coerce.number().int().min(0).max(1_000, 'must be at most 1000').default(5),
  PRODUCER_BATCH_MAX_EVENTS: z.coerce.number().int().min(1).default(10_000),
  PRODUCER_BATCH_MAX_BYTES: z.coerce.number().int().min(1_024).default(1_000_000),
  /** Events accepted but not yet acknowledged by Kafka; past it requests get 503. */
  PRODUCER_BUFFER_EVENTS: z.coerce.number().int().min(1_000, 'must be at least 1000').default(100_000),
  /** How long a request waits for Kafka's acknowledgement before it is answered 503. */
  PRODUCER_ACK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  PRODUCER_COMPRESSION: z.enum(['gzip', 'none']).default('gzip'),
  /** The API key file (`pnpm api-keys`); set, every POST /v1/events needs a valid key. */
  INGEST_API_KEYS_FILE: z.string().min(1).optional(),
  /** Requests a minute per key, unless the key has its own limit. */
  INGEST_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1, 'must be at least 1').default(6_000),
});

export interface ProducerConfig extends ReportEventConfig {
  port: number;
  host: string;
  lingerMs: number;
  batchMaxEvents: number;
  batchMaxBytes: number;
  bufferEvents: number;
  ackTimeoutMs: number;
  compression: 'gzip' | 'none';
  /** Unset: ingest is open (the producer says so at start). */
  apiKeysFile: string | undefined;
  rateLimitPerMinute: number;
}

export function loadConfig(env: Record<string, string | undefined>): ProducerConfig {
  const parsed = parseEnv(schema, env);
  return {
    ...reportEventConfig(parsed),
    port: parsed.PRODUCER_PORT,
    host: parsed.PRODUCER_HOST,
    lingerMs: parsed.PRODUCER_LINGER_MS,
    batchMaxEvents: parsed.PRODUCER_BATCH_MAX_EVENTS,
    batchMaxBytes: parsed.PRODUCER_BATCH_MAX_BYTES,
    bufferEvents: parsed.PRODUCER_BUFFER_EVENTS,
    ackTimeoutMs: parsed.PRODUCER_ACK_TIMEOUT_MS,
    compression: parsed.PRODUCER_COMPRESSION,
    apiKeysFile: parsed.INGEST_API_KEYS_FILE,
    rateLimitPerMinute: parsed.INGEST_RATE_LIMIT_PER_MINUTE,
  };
}
