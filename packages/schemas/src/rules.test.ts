// The bounds of rules.ts that keep every accepted event applicable: a value no sum can overflow, and
// times that JavaScript prints and PostgreSQL stores.
import { describe, expect, it } from 'vitest';
import { checkTimestamp, checkValue, LIMITS, normalizeEventId } from './rules.ts';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe('checkValue', () => {
  it.each([
    ['zero', 0],
    ['a negative amount', -312.5],
    ['the largest value allowed', 1e15],
    ['the smallest value allowed', -1e15],
    ['a tiny fraction', Number.MIN_VALUE],
  ])('accepts %s', (_, value) => {
    expect(checkValue(value)).toBeUndefined();
  });

  it.each([
    ['a value just over the bound', 1e15 + 2],
    ['a value just under the negative bound', -1e15 - 2],
    ['1.7e308, two of which overflow a float8 sum', 1.7e308],
    ['the largest double', Number.MAX_VALUE],
    ['-1.7e308', -1.7e308],
    ['infinity', Number.POSITIVE_INFINITY],
    ['NaN', Number.NaN],
  ])('refuses %s, naming the bound', (_, value) => {
    expect(checkValue(value)).toBe('must be a finite number from -1e15 to 1e15');
  });

  it('keeps the sum of as many bounded values as a bigint event_count can count finite', () => {
    const maxEvents = 2 ** 63;
    expect(Number.isFinite(LIMITS.valueMagnitude * maxEvents)).toBe(true);
    expect(LIMITS.valueMagnitude * maxEvents).toBeLessThan(1e300);
    // Whole amounts up to the bound are exact in a double.
    expect(LIMITS.valueMagnitude).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });
});

describe('checkTimestamp', () => {
  it.each([
    ['the epoch', 0],
    ['now', NOW],
    ['5 minutes ahead', NOW + 5 * 60_000],
  ])('accepts %s', (_, ms) => {
    expect(checkTimestamp(ms, NOW)).toBeUndefined();
  });

  it.each([
    ['a time before 1970', -1, NOW, 'must be at or after 1970-01-01T00:00:00Z'],
    ['fractional milliseconds', 1.5, NOW, 'must be whole epoch milliseconds'],
    ['6 minutes ahead', NOW + 6 * 60_000, NOW, 'is more than 5 minutes in the future'],
    [
      'year 10000, even with a clock that allows it',
      LATEST + 1,
      Number.MAX_SAFE_INTEGER,
      'must be at or before 9999-12-31T23:59:59.999Z',
    ],
    [
      '2^53 - 1 ms, where toISOString throws',
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
      'must be at or before 9999-12-31T23:59:59.999Z',
    ],
    ['2^53 ms', 2 ** 53, Number.MAX_SAFE_INTEGER, 'must be at or before 9999-12-31T23:59:59.999Z'],
    ['infinity', Number.POSITIVE_INFINITY, NOW, 'must be whole epoch milliseconds'],
  ])('refuses %s', (_, ms, now, message) => {
    expect(checkTimestamp(ms, now)).toBe(message);
  });

  it('accepts only times that toISOString prints with a four-digit year', () => {
    expect(checkTimestamp(LATEST, Number.MAX_SAFE_INTEGER)).toBeUndefined();
    expect(new Date(LATEST).toISOString()).toBe('9999-12-31T23:59:59.999Z');
    expect(new Date(LATEST + 1).toISOString()).toBe('+010000-01-01T00:00:00.000Z');
  });
});

describe('normalizeEventId', () => {
  it.each([
    ['upper case', 'F47AC10B-58CC-4372-A567-0E02B2C3D479'],
    ['mixed case', 'f47Ac10b-58cC-4372-a567-0E02b2c3d479'],
    ['lower case', 'f47ac10b-58cc-4372-a567-0e02b2c3d479'],
  ])('lower-cases an id in %s, as PostgreSQL prints a uuid', (_, id) => {
    expect(normalizeEventId(id)).toBe('f47ac10b-58cc-4372-a567-0e02b2c3d479');
  });
});
