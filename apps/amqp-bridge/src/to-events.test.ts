// From a message's inputs to report events: the producer's rules, and the AMQP properties that fill in fields.
import { describe, expect, it } from 'vitest';
import { toEvents } from './to-events.ts';

const now = Date.UTC(2026, 10, 24, 12, 0, 0);
const context = { now: () => now, newEventId: (index: number) => `00000000-0000-7000-8000-00000000000${index}` };

describe('toEvents', () => {
  it("maps the issue's publisher's dict as the producer does: int user_id, zone-less timestamp taken as UTC", () => {
    const result = toEvents([{ user_id: 1, action: 'login', timestamp: '2021-01-01 10:00:00' }], {}, context);
    expect(result).toEqual({
      ok: true,
      events: [
        {
          event_id: '00000000-0000-7000-8000-000000000000',
          user_id: '1',
          action: 'login',
          occurred_at: Date.UTC(2021, 0, 1, 10, 0, 0),
          received_at: now,
          source: null,
          value: null,
          attributes: {},
          session_id: null,
        },
      ],
    });
  });

  it('takes occurred_at from the timestamp property and source from app_id when the body has neither', () => {
    const result = toEvents(
      [{ user_id: 7, action: 'job.finished', value: 312 }],
      { timestamp: 1_700_000_000, appId: 'billing' },
      context,
    );
    expect(result.ok && result.events[0]).toMatchObject({ occurred_at: 1_700_000_000_000, source: 'billing', value: 312 });
  });

  it("keeps the body's own timestamp, source and event_id over the properties", () => {
    const own = 'F47AC10B-58CC-4372-A567-0E02B2C3D479';
    const result = toEvents(
      [{ user_id: 7, action: 'a', timestamp: '2021-01-01 10:00:00', source: 'mine', event_id: own }],
      { timestamp: 1_700_000_000, appId: 'billing' },
      context,
    );
    expect(result.ok && result.events[0]).toMatchObject({
      occurred_at: Date.UTC(2021, 0, 1, 10),
      source: 'mine',
      event_id: own.toLowerCase(),
    });
  });

  it('gives each event of a list the id for its index', () => {
    const result = toEvents(
      [
        { user_id: 1, action: 'a', timestamp: '2021-01-01 10:00:00' },
        { user_id: 2, action: 'b', timestamp: '2021-01-01 10:00:00' },
      ],
      {},
      context,
    );
    expect(result.ok && result.events.map((e) => e.event_id)).toEqual([
      '00000000-0000-7000-8000-000000000000',
      '00000000-0000-7000-8000-000000000001',
    ]);
  });

  it.each([
    [
      'a negative user_id',
      [{ user_id: -1, action: 'login', timestamp: '2021-01-01 10:00:00' }],
      'user_id must be a string or a non-negative integer',
    ],
    [
      'a user_id beyond 2^53 (a Python big int)',
      [{ user_id: 2 ** 70, action: 'login', timestamp: '2021-01-01 10:00:00' }],
      'user_id must be a string or a non-negative integer',
    ],
    ['no action and no time', [{ user_id: 1 }], 'action is required; occurred_at is required (or timestamp)'],
    ['an unknown field', [{ user_id: 1, action: 'a', timestamp: '2021-01-01 10:00:00', extra: 1 }], 'extra is not a known field'],
    [
      'one bad event of two (all or nothing)',
      [{ user_id: 1, action: 'a', timestamp: '2021-01-01 10:00:00' }, 'x'],
      '[1] must be a JSON object',
    ],
    ['an empty list', [], 'an empty list: no events'],
    ['more than 1000 events', Array.from({ length: 1_001 }, () => ({ user_id: 1 })), '1001 events; at most 1000 per message'],
  ])('dead-letters %s, with every problem in the reason', (_, inputs, reason) => {
    expect(toEvents(inputs, {}, context)).toEqual({ ok: false, code: 'EVENTS_INVALID', reason });
  });
});
