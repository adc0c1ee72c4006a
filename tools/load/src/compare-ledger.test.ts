import { describe, expect, it } from 'vitest';
import { compareWithLedger, type LedgerRow } from './compare-ledger.ts';

const row = (over: Partial<LedgerRow>): LedgerRow => ({
  bucket_start: '2026-11-24T10:00:00.000Z',
  user_id: '1',
  action: 'login',
  event_count: 2,
  value_sum: 3,
  value_min: 1,
  value_max: 2,
  ...over,
});

describe('compareWithLedger', () => {
  it('finds nothing when every group matches exactly, whatever the timestamp spelling', () => {
    expect(compareWithLedger([row({})], [row({ bucket_start: '2026-11-24T10:00:00Z' })])).toEqual([]);
  });

  it('names each group that differs, is missing, or should not be there', () => {
    const mismatches = compareWithLedger([row({}), row({ user_id: '2' })], [row({ event_count: 3 }), row({ user_id: '3' })]);
    expect(mismatches.map((m) => [m.key, m.expected?.event_count, m.actual?.event_count])).toEqual([
      ['2026-11-24T10:00:00.000Z 1 login', 2, 3],
      ['2026-11-24T10:00:00.000Z 2 login', 1 + 1, undefined],
      ['2026-11-24T10:00:00.000Z 3 login', undefined, 2],
    ]);
  });
});
