// The producer's side of the event rules: an untrusted JSON input checked against rules.ts and normalised into a
// ReportEvent, with every problem reported at once.
import { v7 as uuidv7 } from 'uuid';
import type { ReportEvent } from './report-event.generated.ts';
import {
  checkAction,
  checkAttributes,
  checkEventId,
  checkSessionId,
  checkSource,
  checkTimestamp,
  checkUserId,
  checkValue,
  normalizeEventId,
} from './rules.ts';
import { type Parsed, parseLegacyTimestamp, parseOccurredAt } from './timestamps.ts';

/** One thing wrong with an input, at a dotted path inside it (`attributes.region`). */
export interface Problem {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; event: ReportEvent } | { ok: false; problems: Problem[] };

export interface ParseContext {
  /** The producer's clock: stamps `received_at` and bounds `occurred_at` from above. */
  now: () => number;
  /** Makes the id of an event sent without one. Defaults to a UUID v7 (time-ordered). */
  newEventId?: () => string;
}

const KNOWN = new Set([
  'event_id',
  'user_id',
  'action',
  'occurred_at',
  'timestamp',
  'source',
  'value',
  'attributes',
  'session_id',
]);

/**
 * Validates one untrusted input (a parsed JSON value) and normalises the accepted aliases into a
 * `ReportEvent`. Returns every problem at once; never throws for bad input.
 */
export function parseReportInput(input: unknown, context: ParseContext): ParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ path: '', message: 'must be a JSON object' }] };
  }
  const raw = input as Record<string, unknown>;
  const problems: Problem[] = [];
  const fail: Fail = (path, message) => {
    if (message !== undefined) problems.push({ path, message });
    return undefined;
  };
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) fail(key, 'is not a known field');

  const now = context.now();
  const eventId = optionalString(raw, 'event_id', fail);
  if (eventId !== undefined) fail('event_id', checkEventId(eventId));

  const userId = userIdOf(raw.user_id, fail);
  const action = requiredString(raw, 'action', fail);
  if (action !== undefined) fail('action', checkAction(action));

  const occurredAt = occurredAtOf(raw, now, fail);

  const source = optionalString(raw, 'source', fail);
  if (source !== undefined) fail('source', checkSource(source));
  const sessionId = optionalString(raw, 'session_id', fail);
  if (sessionId !== undefined) fail('session_id', checkSessionId(sessionId));

  let value: number | null = null;
  if (raw.value !== undefined && raw.value !== null) {
    if (typeof raw.value !== 'number') fail('value', 'must be a number or null');
    else {
      fail('value', checkValue(raw.value));
      value = raw.value;
    }
  }

  const attributes = attributesOf(raw.attributes, fail);

  if (problems.length > 0 || userId === undefined || action === undefined || occurredAt === undefined) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    event: {
      event_id: normalizeEventId(eventId ?? (context.newEventId ?? uuidv7)()),
      user_id: userId,
      action,
      occurred_at: occurredAt,
      received_at: now,
      source: source ?? null,
      value,
      attributes,
      session_id: sessionId ?? null,
    },
  };
}

/** Records a problem (when there is one) and returns undefined, so `return fail(...)` reads well. */
type Fail = (path: string, message: string | undefined) => undefined;

function requiredString(raw: Record<string, unknown>, key: string, fail: Fail): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return fail(key, 'is required');
  if (typeof value !== 'string') return fail(key, 'must be a string');
  return value;
}

function optionalString(raw: Record<string, unknown>, key: string, fail: Fail): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return fail(key, 'must be a string or null');
  return value;
}

/** A string, or a non-negative integer (the original reporting code sends `user_id: 1`). */
function userIdOf(value: unknown, fail: Fail): string | undefined {
  if (value === undefined || value === null) return fail('user_id', 'is required');
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return fail('user_id', 'must be a string or a non-negative integer');
    return String(value);
  }
  if (typeof value !== 'string') return fail('user_id', 'must be a string or a non-negative integer');
  const problem = checkUserId(value);
  return problem === undefined ? value : fail('user_id', problem);
}

function occurredAtOf(raw: Record<string, unknown>, now: number, fail: Fail): number | undefined {
  const hasOccurredAt = raw.occurred_at !== undefined && raw.occurred_at !== null;
  const hasTimestamp = raw.timestamp !== undefined && raw.timestamp !== null;
  if (hasOccurredAt && hasTimestamp) return fail('timestamp', 'give occurred_at or timestamp, not both');
  if (!hasOccurredAt && !hasTimestamp) return fail('occurred_at', 'is required (or timestamp)');
  const [path, parsed]: [string, Parsed] = hasOccurredAt
    ? ['occurred_at', parseOccurredAt(raw.occurred_at)]
    : ['timestamp', parseLegacyTimestamp(raw.timestamp)];
  if (!parsed.ok) return fail(path, parsed.message);
  const problem = checkTimestamp(parsed.ms, now);
  return problem === undefined ? parsed.ms : fail(path, problem);
}

function attributesOf(value: unknown, fail: Fail): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    fail('attributes', 'must be an object of string values');
    return {};
  }
  const attributes: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') fail(`attributes.${key}`, 'must be a string');
    else attributes[key] = item;
  }
  for (const problem of checkAttributes(attributes)) {
    fail(problem.path ? `attributes.${problem.path}` : 'attributes', problem.message);
  }
  return attributes;
}
