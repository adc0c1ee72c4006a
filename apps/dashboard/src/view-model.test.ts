import { describe, expect, it } from 'vitest';
import { actionSeries, formatAge, formatRate, granularityFor, pushWindow } from './view-model.ts';

describe('the dashboard view model', () => {
  it('lines up counts per action on shared buckets and totals them', () => {
    const series = actionSeries([
      { bucket_start: '2026-11-25T10:01:00.000Z', action: 'login', count: 3, sum: null, min: null, max: null, avg: null },
      { bucket_start: '2026-11-25T10:00:00.000Z', action: 'purchase', count: 2, sum: 10, min: 4, max: 6, avg: 5 },
      { bucket_start: '2026-11-25T10:00:00.000Z', action: 'login', count: 1, sum: null, min: null, max: null, avg: null },
    ]);
    expect(series.xs).toEqual([Date.parse('2026-11-25T10:00:00Z') / 1_000, Date.parse('2026-11-25T10:01:00Z') / 1_000]);
    expect(series.actions).toEqual(['login', 'purchase']);
    expect(series.counts).toEqual([
      [1, 3],
      [2, 0],
    ]);
    expect(Object.fromEntries(series.totals)).toEqual({ login: 4, purchase: 2 });
  });

  it('draws minutes up to an hour and hours beyond', () => {
    expect(granularityFor('15m')).toBe('minute');
    expect(granularityFor('1h')).toBe('minute');
    expect(granularityFor('6h')).toBe('hour');
  });

  it.each([
    [950, '950'],
    [12_345, '12.3k'],
  ])('formats a rate of %d as %s', (n, text) => expect(formatRate(n)).toBe(text));

  it('says how long ago in the largest sensible unit', () => {
    expect(formatAge(4_000)).toBe('4 s ago');
    expect(formatAge(600_000)).toBe('10 min ago');
    expect(formatAge(3 * 3_600_000)).toBe('3 h ago');
  });

  it('keeps only the newest items of a window', () => {
    const window = [1, 2, 3];
    expect(pushWindow(window, 4, 3)).toEqual([2, 3, 4]);
  });
});
