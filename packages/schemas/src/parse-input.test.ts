import { describe, expect, it } from 'vitest';
import { checkReportEvent } from './check-event.ts';
import { type ParseResult, parseReportInput } from './parse-input.ts';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const context = { now: () => NOW, newEventId: () => '0190b3a4-7f00-7000-8000-000000000001' };
const valid = { user_id: 'u-1', action: 'login', occurred_at: '2026-11-24T11:59:00Z' };

function problems(result: ParseResult) {
  return result.ok ? [] : result.problems;
}

describe('parseReportInput', () => {
  it('accepts the original reporting code’s event, with an integer user and a zoneless timestamp', () => {
    const result = parseReportInput({ user_id: 1, action: 'login', timestamp: '2021-01-01 10:00:00' }, context);
    expect(result).toEqual({
      ok: true,
      event: {
        event_id: '0190b3a4-7f00-7000-8000-000000000001',
        user_id: '1',
        action: 'login',
        occurred_at: Date.UTC(2021, 0, 1, 10, 0, 0),
        received_at: NOW,
        source: null,
        value: null,
        attributes: {},
        session_id: null,
      },
    });
  });

  it('keeps every optional field it is given and lower-cases the event id', () => {
    const result = parseReportInput(
      {
        ...valid,
        event_id: 'F47AC10B-58CC-4372-A567-0E02B2C3D479',
        source: 'billing',
        value: 312.5,
        attributes: { region: 'eu' },
        session_id: 's-9',
      },
      context,
    );
    expect(result.ok && result.event).toMatchObject({
      event_id: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
      source: 'billing',
      value: 312.5,
      attributes: { region: 'eu' },
      session_id: 's-9',
    });
  });

  it('makes a time-ordered UUID v7 for an event sent without an id', () => {
    const first = parseReportInput(valid, { now: () => NOW });
    const second = parseReportInput(valid, { now: () => NOW });
    if (!first.ok || !second.ok) throw new Error('expected both to parse');
    expect(first.event.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.event.event_id).not.toBe(first.event.event_id);
  });

  it.each([
    ['ISO-8601 with Z', { occurred_at: '2026-11-24T10:00:00.250Z' }, Date.UTC(2026, 10, 24, 10, 0, 0, 250)],
    ['ISO-8601 with an offset', { occurred_at: '2026-11-24T12:00:00+02:00' }, Date.UTC(2026, 10, 24, 10, 0, 0)],
    ['epoch milliseconds', { occurred_at: 1_700_000_000_123 }, 1_700_000_000_123],
    [
      'a zoneless timestamp with milliseconds, as UTC',
      { timestamp: '2021-01-01 10:00:00.5' },
      Date.UTC(2021, 0, 1, 10, 0, 0, 500),
    ],
    ['an ISO-8601 timestamp', { timestamp: '2021-01-01T10:00:00-01:00' }, Date.UTC(2021, 0, 1, 11, 0, 0)],
    ['fractional epoch seconds (time.time())', { timestamp: 1_609_495_200.123 }, 1_609_495_200_123],
    ['a time 4 minutes ahead (clock skew)', { occurred_at: new Date(NOW + 4 * 60_000).toISOString() }, NOW + 4 * 60_000],
  ])('reads %s', (_, time, expected) => {
    const result = parseReportInput({ user_id: 'u', action: 'a', ...time }, context);
    expect(result.ok && result.event.occurred_at).toBe(expected);
  });

  it.each([
    ['not an object', [], '', 'must be a JSON object'],
    ['no user', { action: 'a', occurred_at: 0 }, 'user_id', 'is required'],
    ['an empty user', { ...valid, user_id: '' }, 'user_id', 'must be 1–128 characters'],
    ['a long user', { ...valid, user_id: 'x'.repeat(129) }, 'user_id', 'must be 1–128 characters'],
    ['a negative user', { ...valid, user_id: -1 }, 'user_id', 'must be a string or a non-negative integer'],
    ['a fractional user', { ...valid, user_id: 1.5 }, 'user_id', 'must be a string or a non-negative integer'],
    ['a user with a newline', { ...valid, user_id: 'a\nb' }, 'user_id', 'must not contain control characters'],
    ['no action', { user_id: 'u', occurred_at: 0 }, 'action', 'is required'],
    [
      'an upper-case action',
      { ...valid, action: 'Login' },
      'action',
      'must be lower-case letters, digits and _ . : -, starting with a letter or digit',
    ],
    [
      'an action starting with -',
      { ...valid, action: '-x' },
      'action',
      'must be lower-case letters, digits and _ . : -, starting with a letter or digit',
    ],
    ['a long action', { ...valid, action: 'a'.repeat(65) }, 'action', 'must be 1–64 characters'],
    ['no time', { user_id: 'u', action: 'a' }, 'occurred_at', 'is required (or timestamp)'],
    ['both times', { ...valid, timestamp: 1 }, 'timestamp', 'give occurred_at or timestamp, not both'],
    [
      'a zoneless occurred_at',
      { ...valid, occurred_at: '2026-11-24 10:00:00' },
      'occurred_at',
      'must carry a time zone (Z or ±hh:mm)',
    ],
    [
      'a date that does not exist',
      { ...valid, occurred_at: '2026-02-30T10:00:00Z' },
      'occurred_at',
      'is not a real date and time',
    ],
    ['fractional milliseconds', { ...valid, occurred_at: 1.5 }, 'occurred_at', 'must be whole epoch milliseconds'],
    ['words for a time', { user_id: 'u', action: 'a', timestamp: 'yesterday' }, 'timestamp', 'must be an ISO-8601 date and time'],
    [
      'a time 6 minutes ahead',
      { ...valid, occurred_at: NOW + 6 * 60_000 },
      'occurred_at',
      'is more than 5 minutes in the future',
    ],
    ['a time before 1970', { ...valid, occurred_at: -1 }, 'occurred_at', 'must be at or after 1970-01-01T00:00:00Z'],
    ['a bad event id', { ...valid, event_id: 'abc' }, 'event_id', 'must be a UUID (8-4-4-4-12 hex digits)'],
    ['a value two of which overflow a sum', { ...valid, value: 1.7e308 }, 'value', 'must be a finite number from -1e15 to 1e15'],
    ['a value over 1e15', { ...valid, value: -2e15 }, 'value', 'must be a finite number from -1e15 to 1e15'],
    [
      'a year written with two digits of zero (not 1999)',
      { ...valid, occurred_at: '0099-06-01T00:00:00Z' },
      'occurred_at',
      'must be at or after 1970-01-01T00:00:00Z',
    ],
    [
      'a legacy timestamp in year 0070 (not 1970)',
      { user_id: 'u', action: 'a', timestamp: '0070-01-02 00:00:00' },
      'timestamp',
      'must be at or after 1970-01-01T00:00:00Z',
    ],
    ['a text value', { ...valid, value: '3' }, 'value', 'must be a number or null'],
    ['a numeric source', { ...valid, source: 5 }, 'source', 'must be a string or null'],
    ['an attribute that is a number', { ...valid, attributes: { n: 1 } }, 'attributes.n', 'must be a string'],
    ['attributes as a list', { ...valid, attributes: ['a'] }, 'attributes', 'must be an object of string values'],
    [
      'a long attribute value',
      { ...valid, attributes: { k: 'v'.repeat(257) } },
      'attributes.k',
      'must be at most 256 characters',
    ],
    [
      'a long attribute key',
      { ...valid, attributes: { ['k'.repeat(65)]: 'v' } },
      `attributes.${'k'.repeat(65)}`,
      'key must be 1–64 characters',
    ],
    [
      '33 attributes',
      { ...valid, attributes: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) },
      'attributes',
      'must have at most 32 entries (has 33)',
    ],
    ['a misspelt field', { ...valid, user: 'u' }, 'user', 'is not a known field'],
  ])('refuses %s', (_, input, path, message) => {
    expect(problems(parseReportInput(input, context))).toEqual([{ path, message }]);
  });

  it('reports every problem of an event at once', () => {
    const result = parseReportInput({ user_id: '', action: 'BAD', value: 'x', extra: 1 }, context);
    expect(
      problems(result)
        .map((p) => p.path)
        .sort(),
    ).toEqual(['action', 'extra', 'occurred_at', 'user_id', 'value']);
  });
});

describe('checkReportEvent', () => {
  it('passes an event the parser accepted', () => {
    const result = parseReportInput({ ...valid, attributes: { a: 'b' }, value: 1 }, context);
    if (!result.ok) throw new Error('expected it to parse');
    expect(checkReportEvent(result.event)).toEqual([]);
  });

  it('finds what Avro lets through but the rules do not', () => {
    const result = parseReportInput(valid, context);
    if (!result.ok) throw new Error('expected it to parse');
    const event = { ...result.event, action: 'No Spaces', user_id: '', value: Number.NaN };
    expect(checkReportEvent(event).map((p) => p.path)).toEqual(['user_id', 'action', 'value']);
  });
});
