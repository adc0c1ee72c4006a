// The consumer's side of the event rules: a decoded event checked against rules.ts (parse-input.ts is the producer's).
import type { Problem } from './parse-input.ts';
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

/**
 * Holds a decoded event to the rules Avro cannot express (lengths, the action pattern, attribute
 * limits). The consumer sends an event with problems to the dead-letter topic. `occurred_at` may
 * be later than `received_at` by the same skew the producer allows.
 */
export function checkReportEvent(event: ReportEvent): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string | undefined) => {
    if (message !== undefined) problems.push({ path, message });
  };
  add('event_id', checkEventId(event.event_id));
  add('user_id', checkUserId(event.user_id));
  add('action', checkAction(event.action));
  add('occurred_at', checkTimestamp(event.occurred_at, event.received_at));
  // No clock here: received_at is held to the absolute range only (LIMITS.latestMs).
  add('received_at', checkTimestamp(event.received_at, Number.MAX_SAFE_INTEGER));
  if (event.source !== null) add('source', checkSource(event.source));
  if (event.value !== null) add('value', checkValue(event.value));
  if (event.session_id !== null) add('session_id', checkSessionId(event.session_id));
  for (const problem of checkAttributes(event.attributes)) {
    add(problem.path ? `attributes.${problem.path}` : 'attributes', problem.message);
  }
  return problems;
}

/**
 * A decoded event in the form it is counted in: its id lower-cased (normalizeEventId), as the
 * producer's parser does, so an id a writer other than our producer sent in upper case is still
 * counted once. The same event when nothing changes.
 */
export function normalizeReportEvent(event: ReportEvent): ReportEvent {
  const eventId = normalizeEventId(event.event_id);
  return eventId === event.event_id ? event : { ...event, event_id: eventId };
}
