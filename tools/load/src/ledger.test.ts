import { createEventSource, seededRandom } from '@tally/testkit';
import { describe, expect, it } from 'vitest';
import { contentKey, createLedger, withLanded } from './ledger.ts';

describe('the load ledger', () => {
  it('aggregates accepted events per minute bucket, user and action, as aggregates_minute does, with value counts and first and last times', () => {
    const ledger = createLedger();
    const at = Date.UTC(2026, 10, 24, 10, 0, 30);
    const base = { source: 's', action: 'login' };
    ledger.add({ ...base, event_id: 'a', user_id: '1', occurred_at: at, value: 5 }, 'a');
    ledger.add({ ...base, event_id: 'b', user_id: '1', occurred_at: at + 10_000, value: 2 }, 'b');
    ledger.add({ ...base, event_id: 'c', user_id: '1', occurred_at: at + 40_000 }, 'c'); // next minute, no value
    ledger.add({ ...base, event_id: 'd', user_id: '2', occurred_at: at }, 'd');
    ledger.addResends(3);
    expect(ledger.toJSON()).toEqual({
      accepted: 4,
      resends: 3,
      uncertain: [],
      rows: [
        {
          bucket_start: '2026-11-24T10:00:00.000Z',
          user_id: '1',
          action: 'login',
          event_count: 2,
          value_sum: 7,
          value_min: 2,
          value_max: 5,
          value_count: 2,
          first_occurred_at: '2026-11-24T10:00:30.000Z',
          last_occurred_at: '2026-11-24T10:00:40.000Z',
        },
        {
          bucket_start: '2026-11-24T10:00:00.000Z',
          user_id: '2',
          action: 'login',
          event_count: 1,
          value_sum: null,
          value_min: null,
          value_max: null,
          value_count: 0,
          first_occurred_at: '2026-11-24T10:00:30.000Z',
          last_occurred_at: '2026-11-24T10:00:30.000Z',
        },
        {
          bucket_start: '2026-11-24T10:01:00.000Z',
          user_id: '1',
          action: 'login',
          event_count: 1,
          value_sum: null,
          value_min: null,
          value_max: null,
          value_count: 0,
          first_occurred_at: '2026-11-24T10:01:10.000Z',
          last_occurred_at: '2026-11-24T10:01:10.000Z',
        },
      ],
    });
  });
});

describe('events of unknown fate in the ledger', () => {
  const at = Date.UTC(2026, 10, 24, 10, 0, 30);
  const base = { source: 's', action: 'login', user_id: '1' };

  it('are kept whole, with the id they were sent with and the ids of the accepted events sharing their content, and never counted as accepted', () => {
    const ledger = createLedger();
    ledger.add({ ...base, event_id: 'a', occurred_at: at, value: 5 }, 'A-From-The-202');
    ledger.addUncertain([
      { event: { ...base, event_id: 'b', occurred_at: at, value: 5 }, sentId: undefined },
      { event: { ...base, event_id: 'c', occurred_at: at, value: 6 }, sentId: 'C' },
    ]);
    const json = ledger.toJSON();
    expect(json.accepted).toBe(1);
    expect(json.rows.map((r) => r.event_count)).toEqual([1]);
    expect(json.uncertain.map((e) => [e.event_id, e.sentId, e.acceptedAlike])).toEqual([
      ['b', undefined, ['a-from-the-202']],
      ['c', 'c', []],
    ]);
    expect(contentKey(json.uncertain[0] as (typeof json.uncertain)[number])).toBe(
      contentKey({ user_id: '1', action: 'login', occurred_at: at, value: 5 }),
    );
  });

  it('fold into the rows once found on the topic, leaving the original ledger as it was', () => {
    const ledger = createLedger();
    ledger.add({ ...base, event_id: 'a', occurred_at: at, value: 5 }, 'a');
    const json = ledger.toJSON();
    const landed = withLanded(json, [
      { ...base, event_id: 'b', occurred_at: at - 20_000, value: 1 },
      { ...base, user_id: '2', event_id: 'c', occurred_at: at },
    ]);
    expect(landed.landed).toBe(2);
    expect(landed.rows.map((r) => [r.user_id, r.event_count, r.value_sum, r.value_min, r.first_occurred_at])).toEqual([
      ['1', 2, 6, 1, '2026-11-24T10:00:10.000Z'],
      ['2', 1, null, null, '2026-11-24T10:00:30.000Z'],
    ]);
    expect(json.rows.map((r) => r.event_count)).toEqual([1]);
  });
});

describe('the load event source', () => {
  it('repeats the same users and actions for the same seed', () => {
    const mix = { users: 100, skew: 1, actions: ['a', 'b'], seed: 7 };
    const one = createEventSource(mix);
    const two = createEventSource(mix);
    const pick = (source: typeof one) =>
      Array.from({ length: 50 }, () => source(0)).map((e) => `${e.user_id}/${e.action}/${e.value}`);
    expect(pick(one)).toEqual(pick(two));
  });

  it('sends most events from a few users when skewed, and spreads them when not', () => {
    const share = (skew: number) => {
      const source = createEventSource({ users: 1_000, skew, actions: ['a'], seed: 1 });
      const events = Array.from({ length: 20_000 }, () => source(0));
      return events.filter((e) => Number(e.user_id) <= 10).length / events.length;
    };
    expect(share(1.2)).toBeGreaterThan(0.4); // the 10 hottest of 1,000 users
    expect(share(0)).toBeLessThan(0.02); // about 1% under a uniform draw
  });

  it('draws uniform numbers in [0, 1)', () => {
    const random = seededRandom(3);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(draws.reduce((a, b) => a + b) / draws.length).toBeCloseTo(0.5, 1);
  });
});
