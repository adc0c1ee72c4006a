import { describe, expect, it } from 'vitest';
import { compareTables, compareWithLedger, expectedTables, type LedgerRow, SUM_RELATIVE_TOLERANCE } from './compare-ledger.ts';

const row = (over: Partial<LedgerRow>): LedgerRow => ({
  bucket_start: '2026-11-24T10:00:00.000Z',
  user_id: '1',
  action: 'login',
  event_count: 2,
  value_sum: 3,
  value_min: 1,
  value_max: 2,
  value_count: 2,
  first_occurred_at: '2026-11-24T10:00:01.000Z',
  last_occurred_at: '2026-11-24T10:00:59.000Z',
  ...over,
});

/** Two users, two actions, two minutes of one hour and one of the next. */
const minutes: LedgerRow[] = [
  row({}),
  row({ user_id: '2', value_sum: 10, value_min: 4, value_max: 6 }),
  row({ action: 'logout', event_count: 1, value_sum: null, value_min: null, value_max: null, value_count: 0 }),
  row({
    bucket_start: '2026-11-24T10:59:00.000Z',
    event_count: 1,
    value_sum: 7,
    value_min: 7,
    value_max: 7,
    value_count: 1,
    first_occurred_at: '2026-11-24T10:59:30.000Z',
    last_occurred_at: '2026-11-24T10:59:30.000Z',
  }),
  row({ bucket_start: '2026-11-24T11:00:00.000Z', user_id: '2' }),
];

describe('compareWithLedger', () => {
  it('finds nothing when every group matches exactly, whatever the timestamp spelling', () => {
    expect(
      compareWithLedger([row({})], [row({ bucket_start: '2026-11-24T10:00:00Z', first_occurred_at: '2026-11-24T10:00:01Z' })]),
    ).toEqual([]);
  });

  it('names each group that differs, is missing, or should not be there', () => {
    const mismatches = compareWithLedger([row({}), row({ user_id: '2' })], [row({ event_count: 3 }), row({ user_id: '3' })]);
    expect(mismatches.map((m) => [m.table, m.key, m.fields, m.expected?.event_count, m.actual?.event_count])).toEqual([
      ['aggregates_minute', '2026-11-24T10:00:00.000Z 1 login', ['event_count'], 2, 3],
      ['aggregates_minute', '2026-11-24T10:00:00.000Z 2 login', [], 1 + 1, undefined],
      ['aggregates_minute', '2026-11-24T10:00:00.000Z 3 login', [], undefined, 2],
    ]);
  });

  it.each([
    ['value_count', { value_count: 1 }],
    ['value_min', { value_min: 0 }],
    ['value_max', { value_max: 3 }],
    ['first_occurred_at', { first_occurred_at: '2026-11-24T10:00:01.001Z' }],
    ['last_occurred_at', { last_occurred_at: '2026-11-24T10:00:58.999Z' }],
    ['value_sum', { value_sum: null }],
  ])('compares %s exactly', (field, over) => {
    expect(compareWithLedger([row({})], [row(over)]).map((m) => m.fields)).toEqual([[field]]);
  });

  it('takes value sums within a tolerance relative to their magnitude, and no further', () => {
    const sum = 1e12;
    const close = sum * (1 + SUM_RELATIVE_TOLERANCE / 2);
    const far = sum * (1 + SUM_RELATIVE_TOLERANCE * 2);
    expect(compareWithLedger([row({ value_sum: sum })], [row({ value_sum: close })])).toEqual([]);
    expect(compareWithLedger([row({ value_sum: sum })], [row({ value_sum: far })]).map((m) => m.fields)).toEqual([['value_sum']]);
    // A wrong sum of small values is not hidden by an absolute slack.
    expect(compareWithLedger([row({ value_sum: 3 })], [row({ value_sum: 3.001 })]).map((m) => m.fields)).toEqual([['value_sum']]);
  });

  it('compares only the fields an older ledger knows', () => {
    const old = row({ value_count: undefined, first_occurred_at: undefined, last_occurred_at: undefined });
    expect(compareWithLedger([old], [row({ value_count: 9, first_occurred_at: '2020-01-01T00:00:00Z' })])).toEqual([]);
  });
});

describe('expectedTables', () => {
  it('rolls the minutes up per hour, per hour and action over all users, and per hour and user over all actions', () => {
    const tables = expectedTables(minutes);
    expect(tables.aggregates_minute).toEqual(minutes);
    const hour = tables.aggregates_hour.find(
      (r) => r.bucket_start === '2026-11-24T10:00:00.000Z' && r.user_id === '1' && r.action === 'login',
    );
    expect(hour).toEqual(
      row({
        event_count: 3,
        value_sum: 10,
        value_min: 1,
        value_max: 7,
        value_count: 3,
        first_occurred_at: '2026-11-24T10:00:01.000Z',
        last_occurred_at: '2026-11-24T10:59:30.000Z',
      }),
    );
    expect(tables.aggregates_hour).toHaveLength(4);
    expect(
      tables.aggregates_hour_per_action.map((r) => [r.bucket_start, r.user_id, r.action, r.event_count, r.value_sum]),
    ).toEqual([
      ['2026-11-24T10:00:00.000Z', '', 'login', 5, 20],
      ['2026-11-24T10:00:00.000Z', '', 'logout', 1, null],
      ['2026-11-24T11:00:00.000Z', '', 'login', 2, 3],
    ]);
    expect(
      tables.aggregates_hour_per_user.map((r) => [r.bucket_start, r.user_id, r.action, r.event_count, r.value_count]),
    ).toEqual([
      ['2026-11-24T10:00:00.000Z', '1', '', 4, 3],
      ['2026-11-24T10:00:00.000Z', '2', '', 2, 2],
      ['2026-11-24T11:00:00.000Z', '2', '', 2, 2],
    ]);
  });
});

describe('compareTables', () => {
  const right = expectedTables(minutes);

  it('finds nothing when every table holds what the ledger says', () => {
    expect(compareTables(minutes, right)).toEqual([]);
  });

  it('names the table of a wrong sum that the minutes do not show', () => {
    const perAction = right.aggregates_hour_per_action.map((r) =>
      r.action === 'login' && r.value_sum === 20 ? { ...r, value_sum: 21 } : r,
    );
    const mismatches = compareTables(minutes, { ...right, aggregates_hour_per_action: perAction });
    expect(mismatches.map((m) => [m.table, m.key, m.fields])).toEqual([
      ['aggregates_hour_per_action', '2026-11-24T10:00:00.000Z  login', ['value_sum']],
    ]);
  });

  it('names the table of a missing row and of a row that should not be there', () => {
    const perUser = [...right.aggregates_hour_per_user.slice(1), { ...row({}), user_id: '9', action: '' }];
    const mismatches = compareTables(minutes, { ...right, aggregates_hour_per_user: perUser });
    expect(mismatches.map((m) => [m.table, m.key, m.expected === undefined, m.actual === undefined])).toEqual([
      ['aggregates_hour_per_user', '2026-11-24T10:00:00.000Z 1 ', false, true],
      ['aggregates_hour_per_user', '2026-11-24T10:00:00.000Z 9 ', true, false],
    ]);
  });

  it('finds an event counted twice in the hours only, and checks only the tables read', () => {
    const hour = right.aggregates_hour.map((r, i) => (i === 0 ? { ...r, event_count: r.event_count + 1 } : r));
    expect(compareTables(minutes, { ...right, aggregates_hour: hour }).map((m) => [m.table, m.fields])).toEqual([
      ['aggregates_hour', ['event_count']],
    ]);
    expect(compareTables(minutes, { aggregates_minute: minutes })).toEqual([]);
  });
});
