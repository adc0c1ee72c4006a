// The consumer's environment, parsed once at boot into a typed config (fails naming the bad variable).
import {
  ConfigError,
  consumerGroupField,
  DEFAULTS,
  deadLetterTopicField,
  listenFields,
  parseEnv,
  postgresUrl,
  type ReportEventConfig,
  reportEventConfig,
  reportEventFields,
} from '@tally/config';
import { z } from 'zod';

/** Everything the consumer reads from its environment; nothing else reads `process.env`. */
const schema = z.object({
  ...reportEventFields,
  DATABASE_URL: postgresUrl.default(DEFAULTS.databaseUrl),
  /** Who applies the migrations (the schema's owner); unset, DATABASE_URL does. */
  MIGRATIONS_DATABASE_URL: postgresUrl.optional(),
  ...deadLetterTopicField,
  ...consumerGroupField,
  ...listenFields('CONSUMER', DEFAULTS.ports.consumer),
  /**
   * Every query is cut off after this long, so a stuck database is seen as an outage. A batch is
   * one statement, its own transaction, so this also bounds how long a batch's transaction lives.
   */
  // NOTE: at most 4 minutes: it keeps every batch inside the dedupe's 10-minute midnight grace
  // (apply/dedupe.ts), with room for a lock wait and the commit.
  CONSUMER_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(240_000).default(10_000),
  /**
   * PostgreSQL's idle_in_transaction_session_timeout: a session left inside a transaction this
   * long between two statements (its consumer frozen: SIGSTOP, a long GC pause) is ended by the
   * server, and its row locks go with it. A batch's statements follow each other within
   * milliseconds, so 10 s is never a healthy gap, and it is a third of the default session
   * timeout: the locks are gone before the group hands the frozen member's partitions to another.
   */
  // NOTE: at most 4 minutes, like the statement timeout, for any transaction of more than one statement.
  CONSUMER_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(240_000).default(10_000),
  /**
   * PostgreSQL's lock_timeout: a statement waiting this long for a lock fails (55P03), its
   * transaction rolls back, releasing its own locks, and the batch is retried with backoff. Locks
   * held by a live batch last milliseconds; this bounds the wait on one that is frozen or slow,
   * and on DDL queued behind it (the seen_events upkeep).
   */
  CONSUMER_LOCK_TIMEOUT_MS: z.coerce.number().int().min(100).default(2_000),
  /** How long an event_id is remembered to drop client resends (at least 7 days). */
  DEDUP_RETENTION_DAYS: z.coerce.number().int().min(7, 'must be at least 7').default(8),
  /** Kafka's session timeout: how long a silent member keeps its partitions. */
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
  /** How many partitions' batches are applied at once, each in its own transaction. */
  CONSUMER_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * PostgreSQL's synchronous_commit for the consumer's transactions. `off` is safe here: a commit
   * lost in a PostgreSQL crash takes its offsets with it, so the records are read again from Kafka.
   */
  CONSUMER_SYNCHRONOUS_COMMIT: z.enum(['on', 'off']).default('off'),
});

export interface ConsumerConfig extends ReportEventConfig {
  databaseUrl: string;
  /** The owner's connection, for migrations; production runs the consumer itself as tally_consumer. */
  migrationsDatabaseUrl: string;
  deadLetterTopic: string;
  consumerGroup: string;
  port: number;
  host: string;
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  lockTimeoutMs: number;
  dedupRetentionDays: number;
  sessionTimeoutMs: number;
  partitionsConcurrently: number;
  synchronousCommit: 'on' | 'off';
}

export function loadConfig(env: Record<string, string | undefined>): ConsumerConfig {
  const parsed = parseEnv(schema, env);
  if (parsed.DEAD_LETTER_TOPIC === parsed.REPORT_TOPIC) {
    throw new ConfigError([`DEAD_LETTER_TOPIC: must differ from REPORT_TOPIC (both ${JSON.stringify(parsed.REPORT_TOPIC)})`]);
  }
  return {
    ...reportEventConfig(parsed),
    databaseUrl: parsed.DATABASE_URL,
    migrationsDatabaseUrl: parsed.MIGRATIONS_DATABASE_URL ?? parsed.DATABASE_URL,
    deadLetterTopic: parsed.DEAD_LETTER_TOPIC,
    consumerGroup: parsed.CONSUMER_GROUP,
    port: parsed.CONSUMER_PORT,
    host: parsed.CONSUMER_HOST,
    statementTimeoutMs: parsed.CONSUMER_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: parsed.CONSUMER_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    lockTimeoutMs: parsed.CONSUMER_LOCK_TIMEOUT_MS,
    dedupRetentionDays: parsed.DEDUP_RETENTION_DAYS,
    sessionTimeoutMs: parsed.CONSUMER_SESSION_TIMEOUT_MS,
    partitionsConcurrently: parsed.CONSUMER_PARTITIONS_CONCURRENTLY,
    synchronousCommit: parsed.CONSUMER_SYNCHRONOUS_COMMIT,
  };
}
