// The constraints on a report event that Avro cannot express. Each check returns the reason a value is wrong, or
// undefined; both the input parser (producer) and the decoded-event check (consumer) use them, so an event is held
// to one set of rules wherever it is.
export const LIMITS = {
  userIdLength: 128,
  actionLength: 64,
  sourceLength: 128,
  sessionIdLength: 128,
  attributes: 32,
  attributeKeyLength: 64,
  attributeValueLength: 256,
  /** How far ahead of the producer's clock an event may claim to have happened. */
  futureSkewMs: 5 * 60_000,
  /**
   * The largest |value|. NOTE: chosen so no sum the pipeline forms can overflow a float8 (SQLSTATE
   * 22003 would fail the apply for ever): a bigint event_count caps a row at 2^63 events, and
   * 2^63 × 1e15 ≈ 9.2e33, far below 1.8e308. Whole amounts up to it are exact (1e15 < 2^53).
   */
  valueMagnitude: 1e15,
  /** The earliest time an event may carry: 1970-01-01T00:00:00.000Z. */
  earliestMs: 0,
  /**
   * The latest time an event may carry, whatever the clock says: 9999-12-31T23:59:59.999Z. Later,
   * toISOString prints an extended year (`+010000-…`) that PostgreSQL refuses, and past 8.64e15 ms
   * (the end of Date's range, below 2^53) it throws.
   */
  latestMs: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTION = /^[a-z0-9][a-z0-9_.:-]*$/;

export function checkEventId(value: string): string | undefined {
  return UUID.test(value) ? undefined : 'must be a UUID (8-4-4-4-12 hex digits)';
}

/**
 * The form an event id is compared in: lower case, as PostgreSQL prints a uuid. NOTE: the dedupe
 * compares ids as strings, so an id resent in upper case would otherwise be counted again.
 */
export function normalizeEventId(value: string): string {
  return value.toLowerCase();
}

function checkText(value: string, max: number): string | undefined {
  if (value.length < 1 || value.length > max) return `must be 1–${max} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  return undefined;
}

export const checkUserId = (value: string) => checkText(value, LIMITS.userIdLength);
export const checkSource = (value: string) => checkText(value, LIMITS.sourceLength);
export const checkSessionId = (value: string) => checkText(value, LIMITS.sessionIdLength);

export function checkAction(value: string): string | undefined {
  if (value.length < 1 || value.length > LIMITS.actionLength) return `must be 1–${LIMITS.actionLength} characters`;
  if (!ACTION.test(value)) return 'must be lower-case letters, digits and _ . : -, starting with a letter or digit';
  return undefined;
}

export function checkValue(value: number): string | undefined {
  // NaN compares false, so it is refused too.
  return Math.abs(value) <= LIMITS.valueMagnitude ? undefined : 'must be a finite number from -1e15 to 1e15';
}

/**
 * Epoch milliseconds inside [LIMITS.earliestMs, LIMITS.latestMs] and at most LIMITS.futureSkewMs
 * after `nowMs` (the producer's clock, or a decoded event's received_at).
 */
export function checkTimestamp(ms: number, nowMs: number): string | undefined {
  if (!Number.isInteger(ms)) return 'must be whole epoch milliseconds';
  if (ms < LIMITS.earliestMs) return 'must be at or after 1970-01-01T00:00:00Z';
  if (ms > LIMITS.latestMs) return 'must be at or before 9999-12-31T23:59:59.999Z';
  if (ms > nowMs + LIMITS.futureSkewMs) return 'is more than 5 minutes in the future';
  return undefined;
}

/** Problems with an attribute map, each with the path below `attributes`. */
export function checkAttributes(attributes: Record<string, string>): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const keys = Object.keys(attributes);
  if (keys.length > LIMITS.attributes)
    problems.push({ path: '', message: `must have at most ${LIMITS.attributes} entries (has ${keys.length})` });
  for (const key of keys) {
    if (key.length < 1 || key.length > LIMITS.attributeKeyLength) {
      problems.push({ path: key, message: `key must be 1–${LIMITS.attributeKeyLength} characters` });
    }
    const value = attributes[key] ?? '';
    if (value.length > LIMITS.attributeValueLength) {
      problems.push({ path: key, message: `must be at most ${LIMITS.attributeValueLength} characters` });
    }
  }
  return problems;
}
