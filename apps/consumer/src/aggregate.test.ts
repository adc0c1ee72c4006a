import type { ReportEvent } from '@tally/schemas';
import { describe, expect, it } from 'vitest';
import { aggregate, bucketOf, rollUpToHours } from './aggregate.ts';

const at = Date.UTC(2026, 10, 24, 10, 0, 0);
const event = (overrides: Partial<ReportEvent>): ReportEvent => ({
  event_id: crypto.randomUUID(),
  user_id: '1',
  action: 'login',
  occurred_at: at,
  received_at: at,
  source: null,
  value: null,
  attributes: {},
  session_id: null,
  ...overrides,
});

describe('aggregate', () => {
  it('folds events into one delta per minute, user and action', () => {
    const deltas = aggregate([
      event({ occurred_at: at + 1_000, value: 4 }),
      event({ occurred_at: at + 59_999, value: -1 }),
      event({ occurred_at: at + 30_000 }),
      event({ occurred_at: at + 60_000 }),
      event({ user_id: '2' }),
      event({ action: 'logout' }),
    ]);
    expect(deltas).toEqual([
      {
        bucketStart: at,
        userId: '1',
        action: 'login',
        count: 3,
        valueSum: 3,
        valueMin: -1,
        valueMax: 4,
        valueCount: 2,
        firstOccurredAt: at + 1_000,
        lastOccurredAt: at + 59_999,
      },
      expect.objectContaining({ bucketStart: at + 60_000, userId: '1', count: 1, valueSum: null, valueMin: null }),
      expect.objectContaining({ bucketStart: at, userId: '2', action: 'login', count: 1 }),
      expect.objectContaining({ bucketStart: at, userId: '1', action: 'logout', count: 1 }),
    ]);
  });

  it('puts an event at the exact start of a minute into that minute', () => {
    expect(bucketOf(at)).toBe(at);
    expect(bucketOf(at - 1)).toBe(at - 60_000);
  });

  it('keeps no value when no event of the group carried one', () => {
    const [delta] = aggregate([event({}), event({})]);
    expect(delta).toMatchObject({ count: 2, valueSum: null, valueMin: null, valueMax: null });
  });

  it('rolls minute deltas up to hours, keeping counts, sums, extremes and valued counts', () => {
    const hour = Date.UTC(2026, 10, 24, 10, 0, 0);
    const minutes = aggregate([
      event({ occurred_at: hour + 5 * 60_000, value: 10 }),
      event({ occurred_at: hour + 59 * 60_000, value: 2 }),
      event({ occurred_at: hour + 59 * 60_000 + 30_000 }),
      event({ occurred_at: hour + 60 * 60_000, value: 7 }),
    ]);
    expect(rollUpToHours(minutes)).toEqual([
      {
        bucketStart: hour,
        userId: '1',
        action: 'login',
        count: 3,
        valueSum: 12,
        valueMin: 2,
        valueMax: 10,
        valueCount: 2,
        firstOccurredAt: hour + 5 * 60_000,
        lastOccurredAt: hour + 59 * 60_000 + 30_000,
      },
      {
        bucketStart: hour + 3_600_000,
        userId: '1',
        action: 'login',
        count: 1,
        valueSum: 7,
        valueMin: 7,
        valueMax: 7,
        valueCount: 1,
        firstOccurredAt: hour + 60 * 60_000,
        lastOccurredAt: hour + 60 * 60_000,
      },
    ]);
  });
});
