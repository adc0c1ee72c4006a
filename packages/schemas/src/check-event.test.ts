// The consumer's side of the rules: a decoded event (produced by anything, not only our producer)
// held to the same bounds as an HTTP input, so an event that cannot be applied is poison, not a stall.
import { describe, expect, it } from 'vitest';
import { checkReportEvent, normalizeReportEvent } from './check-event.ts';
import type { ReportEvent } from './report-event.generated.ts';

const RECEIVED = Date.UTC(2026, 10, 24, 12, 0, 0);
const decoded: ReportEvent = {
  event_id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  user_id: 'u-1',
  action: 'login',
  occurred_at: RECEIVED - 60_000,
  received_at: RECEIVED,
  source: null,
  value: 1,
  attributes: {},
  session_id: null,
};

describe('checkReportEvent on a decoded event', () => {
  it('passes an event inside every bound', () => {
    expect(checkReportEvent({ ...decoded, value: 1e15 })).toEqual([]);
  });

  it.each([
    ['a value of 1.7e308 (two overflow value_sum)', { value: 1.7e308 }, 'value', 'must be a finite number from -1e15 to 1e15'],
    ['a value of -1e16', { value: -1e16 }, 'value', 'must be a finite number from -1e15 to 1e15'],
    [
      'received_at at 2^53 - 1 ms (toISOString throws)',
      { received_at: Number.MAX_SAFE_INTEGER, occurred_at: RECEIVED },
      'received_at',
      'must be at or before 9999-12-31T23:59:59.999Z',
    ],
    [
      'received_at in year 10000 (PostgreSQL refuses the ISO text)',
      { received_at: Date.UTC(10000, 0, 1), occurred_at: RECEIVED },
      'received_at',
      'must be at or before 9999-12-31T23:59:59.999Z',
    ],
    [
      'occurred_at in year 10000, with received_at after it',
      { received_at: Date.UTC(10000, 0, 1), occurred_at: Date.UTC(10000, 0, 1) },
      'occurred_at',
      'must be at or before 9999-12-31T23:59:59.999Z',
    ],
    ['occurred_at before 1970', { occurred_at: -1 }, 'occurred_at', 'must be at or after 1970-01-01T00:00:00Z'],
  ])('finds %s', (_, change, path, message) => {
    expect(checkReportEvent({ ...decoded, ...change })).toContainEqual({ path, message });
  });
});

describe('normalizeReportEvent', () => {
  it('lower-cases a decoded event id and keeps everything else', () => {
    const upper = { ...decoded, event_id: 'F47AC10B-58CC-4372-A567-0E02B2C3D479' };
    expect(normalizeReportEvent(upper)).toEqual(decoded);
  });

  it('hands back the same event when its id is already lower case', () => {
    expect(normalizeReportEvent(decoded)).toBe(decoded);
  });
});
