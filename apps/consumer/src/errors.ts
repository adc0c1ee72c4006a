import { SchemaError } from '@tally/schemas/codec';

/**
 * Sorts failures at the boundary: which dependency failed, and whether waiting helps. Outages are
 * retried (never dead-lettered, never skipped); anything else is a bug and stops the batch.
 */
export type Dependency = 'postgres' | 'registry' | 'kafka' | 'unknown';

export interface Classified {
  dependency: Dependency;
  retriable: boolean;
}

// SQLSTATE classes and codes worth waiting out: connection exceptions (08), operator intervention
// such as a shutdown (57P01-57P03), statement timeout (57014), serialization failure and deadlock
// (40001, 40P01), insufficient resources (53).
const RETRIABLE_SQLSTATE = /^(08|53|57P0[1-3]$|57014$|40001$|40P01$)/;
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function classify(error: unknown): Classified {
  if (error instanceof SchemaError) return { dependency: 'registry', retriable: error.retriable };
  const e = error as { code?: unknown; name?: unknown; retriable?: unknown; message?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : '';
  if (name.startsWith('KafkaJS')) return { dependency: 'kafka', retriable: e?.retriable !== false };
  const code = typeof e?.code === 'string' ? e.code : '';
  if (RETRIABLE_SQLSTATE.test(code)) return { dependency: 'postgres', retriable: true };
  if (NETWORK.has(code)) return { dependency: 'postgres', retriable: true };
  const message = typeof e?.message === 'string' ? e.message : '';
  // node-postgres reports a dropped connection in words, without a code.
  if (
    /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      message,
    )
  ) {
    return { dependency: 'postgres', retriable: true };
  }
  return { dependency: 'unknown', retriable: false };
}
