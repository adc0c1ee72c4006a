// The consumer's one error type, and the classification of failures at the boundary: which
// dependency failed, and whether waiting helps. Outages are retried (never dead-lettered, never
// skipped); anything else is a bug and stops the batch. Classified from values each client gives
// (kafkajs's `retriable`, SchemaError's code, PostgreSQL's SQLSTATE, Node's errno), never from
// message text, save node-postgres's dropped connection (see isPostgresConnectionLost).
import { SchemaError } from '@tally/schemas/codec';
import pg from 'pg';

export type Dependency = 'postgres' | 'registry' | 'kafka' | 'unknown';

export type ConsumerErrorCode =
  /** Could not be reached, or asked to be retried later: waiting helps. */
  | 'POSTGRES_UNAVAILABLE'
  | 'REGISTRY_UNAVAILABLE'
  | 'KAFKA_UNAVAILABLE'
  /** Reached, and refused: waiting does not help. */
  | 'POSTGRES_REJECTED'
  | 'REGISTRY_REJECTED'
  | 'KAFKA_REJECTED'
  /** Retrying an outage stopped: the consumer is stopping or the partition moved elsewhere. */
  | 'RETRY_ABANDONED'
  /** From none of the dependencies: a bug. */
  | 'UNEXPECTED';

export class ConsumerError extends Error {
  readonly code: ConsumerErrorCode;
  readonly dependency: Dependency;
  readonly retriable: boolean;
  /** The dependency's own code, where it gave one: SQLSTATE, errno, kafkajs error name, SchemaError code. */
  readonly detail: string | undefined;

  constructor(
    code: ConsumerErrorCode,
    message: string,
    options: { dependency: Dependency; retriable: boolean; cause?: unknown; detail?: string | undefined },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConsumerError';
    this.code = code;
    this.dependency = options.dependency;
    this.retriable = options.retriable;
    this.detail = options.detail;
  }
}

/**
 * The code a failure is reported under (metric label, `/readyz`, logs): the dependency's own code
 * where there is one (`22003`, `KafkaJSNonRetriableError`), else the ConsumerError's (`UNEXPECTED`).
 * Bounded: SQLSTATEs, errnos and error names, never message text.
 */
export function failureCode(failure: ConsumerError): string {
  return failure.detail ?? failure.code;
}

// SQLSTATE classes and codes worth waiting out: connection exceptions (08), operator intervention
// such as a shutdown (57P01-57P03), statement timeout (57014), serialization failure and deadlock
// (40001, 40P01), insufficient resources (53), and the two timeouts the consumer's sessions set
// (postgres-pool.ts): a lock waited for too long (55P03 lock_not_available) and a session ended
// for idling in its transaction (25P03, sent as the server ends the connection). Both leave the
// batch's transaction rolled back; the batch is applied again once the lock holder is gone.
const RETRIABLE_SQLSTATE = /^(08|53|57P0[1-3]$|57014$|40001$|40P01$|55P03$|25P03$)/;

// NOTE: kafkajs and the registry client (through SchemaError) wrap their own network failures, so
// a bare Node errno reaching here comes from node-postgres.
const NETWORK_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// NOTE: node-postgres reports a dropped or unreachable connection in words only: no SQLSTATE (the
// server never answered) and no errno (the socket error was already turned into its own Error).
// "Connection terminated unexpectedly", "Connection terminated due to connection timeout",
// "timeout exceeded when trying to connect", "Client has encountered a connection error and is not
// queryable". Matching the text is the only way to know; this is the one place that does it.
const PG_CONNECTION_LOST =
  /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i;

export function isPostgresConnectionLost(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && PG_CONNECTION_LOST.test(message);
}

/** What failed and whether waiting helps, as a ConsumerError whose cause is the original error. */
export function classify(error: unknown): ConsumerError {
  if (error instanceof ConsumerError) return error;
  const as = (code: ConsumerErrorCode, dependency: Dependency, retriable: boolean, detail?: string) =>
    new ConsumerError(code, `${detail ? `${code} (${detail})` : code}: ${messageOf(error)}`, {
      dependency,
      retriable,
      cause: error,
      detail,
    });

  if (error instanceof SchemaError) {
    return as(error.retriable ? 'REGISTRY_UNAVAILABLE' : 'REGISTRY_REJECTED', 'registry', error.retriable, error.code);
  }
  const { name, code, retriable } = (error ?? {}) as { name?: unknown; code?: unknown; retriable?: unknown };
  if (typeof name === 'string' && name.startsWith('KafkaJS')) {
    // kafkajs marks what it gave up on `retriable: false`; anything else it would retry itself.
    return retriable === false ? as('KAFKA_REJECTED', 'kafka', false, name) : as('KAFKA_UNAVAILABLE', 'kafka', true, name);
  }
  if (typeof code === 'string' && RETRIABLE_SQLSTATE.test(code)) return as('POSTGRES_UNAVAILABLE', 'postgres', true, code);
  if (typeof code === 'string' && NETWORK_ERRNO.has(code)) return as('POSTGRES_UNAVAILABLE', 'postgres', true, code);
  if (isPostgresConnectionLost(error)) return as('POSTGRES_UNAVAILABLE', 'postgres', true);
  if (error instanceof pg.DatabaseError) return as('POSTGRES_REJECTED', 'postgres', false, error.code);
  return as('UNEXPECTED', 'unknown', false);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
