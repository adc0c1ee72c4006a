// Bridge step 2: a delivery's inputs as report events, by the producer's own rules
// (parseReportInputs of @tally/schemas: all or nothing, at most 1000 per message). The AMQP
// properties fill in what the body leaves out: `timestamp` becomes occurred_at, `app_id` becomes
// source; the ids of events without an event_id come from event-ids.ts. A message that breaks the
// rules is a dead-letter value with every problem in its reason.
import { parseReportInputs, type ReportEvent } from '@tally/schemas';

export type ToEvents = { ok: true; events: ReportEvent[] } | { ok: false; code: 'EVENTS_INVALID'; reason: string };

/** The message properties that map onto event fields. */
export interface MappedProperties {
  /** AMQP `timestamp`: seconds since the epoch. */
  timestamp?: number | undefined;
  appId?: string | undefined;
}

export function toEvents(
  inputs: unknown[],
  properties: MappedProperties,
  context: { now: () => number; newEventId: (index: number) => string },
): ToEvents {
  const filled = inputs.map((input) => withProperties(input, properties));
  const checked = parseReportInputs(filled, context);
  if (checked.ok) return checked;
  if (checked.reason !== 'invalid') {
    const reason = checked.reason === 'empty' ? 'an empty list: no events' : `${checked.message} per message`;
    return { ok: false, code: 'EVENTS_INVALID', reason };
  }
  const where = (index: number, path: string) => [inputs.length > 1 ? `[${index}]` : '', path].filter(Boolean).join(' ');
  const reason = checked.problems.map((p) => [where(p.index, p.path), p.message].filter(Boolean).join(' ')).join('; ');
  return { ok: false, code: 'EVENTS_INVALID', reason };
}

function withProperties(input: unknown, properties: MappedProperties): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const fields = input as Record<string, unknown>;
  const missing = (name: string) => fields[name] === undefined || fields[name] === null;
  const filled: Record<string, unknown> = { ...fields };
  if (properties.timestamp !== undefined && missing('occurred_at') && missing('timestamp')) {
    // NOTE: AMQP timestamps are whole seconds; as epoch milliseconds they pass the same checks.
    filled.occurred_at = properties.timestamp * 1_000;
  }
  if (properties.appId !== undefined && properties.appId !== '' && missing('source')) filled.source = properties.appId;
  return filled;
}
