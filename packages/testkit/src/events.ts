// A valid report event for a test, varied by a counter (five users, two minutes, every other
// event with a value), with any field overridden.
import { randomUUID } from 'node:crypto';
import type { ReportEvent } from '@tally/schemas';

let counter = 0;

export function reportEvent(overrides: Partial<ReportEvent> = {}): ReportEvent {
  counter += 1;
  return {
    event_id: randomUUID(),
    user_id: `u${counter % 5}`,
    action: 'login',
    occurred_at: Date.UTC(2026, 10, 24, 10, 0, 0) + (counter % 120) * 1_000,
    received_at: Date.UTC(2026, 10, 24, 10, 5, 0),
    source: null,
    value: counter % 2 === 0 ? counter : null,
    attributes: {},
    session_id: null,
    ...overrides,
  };
}
