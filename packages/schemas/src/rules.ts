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
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTION = /^[a-z0-9][a-z0-9_.:-]*$/;

export function checkEventId(value: string): string | undefined {
  return UUID.test(value) ? undefined : 'must be a UUID (8-4-4-4-12 hex digits)';
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
  return Number.isFinite(value) ? undefined : 'must be a finite number';
}

export function checkTimestamp(ms: number, nowMs: number): string | undefined {
  if (!Number.isSafeInteger(ms) || ms < 0) return 'must be at or after 1970-01-01T00:00:00Z';
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
