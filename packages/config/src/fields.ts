// Parsers for the environment variables the apps share. Each turns the raw string into the typed value the app
// uses and says in plain words what a good value looks like.
import { z } from 'zod';

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

/** `host:port[,host:port...]` */
export const kafkaBrokers = z
  .string()
  .transform((raw) =>
    raw
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker.length > 0),
  )
  .pipe(z.array(z.string().regex(HOST_PORT, 'each broker must be host:port')).min(1, 'must name at least one broker'));

export const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be 1-65535')
  .max(65_535, 'must be 1-65535');

/** Kafka's own rule for topic names (legal characters, at most 249 of them, not "." or ".."). */
export const topicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be 1-249 characters of letters, digits, ".", "_" or "-"')
  .refine((name) => name !== '.' && name !== '..', 'must not be "." or ".."');

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const amqpUrl = z.url({ protocol: /^amqps?$/, error: 'must be an amqp:// or amqps:// URL' });

export const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' });

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
