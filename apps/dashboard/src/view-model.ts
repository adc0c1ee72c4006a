// Pure shaping of API answers for the page: ranges, chart columns, totals, number formats. Kept apart
// from the DOM so it can be tested without a browser.
import type { AggregateRow } from './api.ts';

export const RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 } as const;
export type RangeName = keyof typeof RANGES;

export function isRange(value: string): value is RangeName {
  return value in RANGES;
}

/** Minutes up to an hour, hours beyond (a 24-hour chart of minutes would be 1,440 points a line). */
export function granularityFor(range: RangeName): 'minute' | 'hour' {
  return RANGES[range] <= 3_600_000 ? 'minute' : 'hour';
}

export interface ActionSeries {
  /** Bucket starts, in seconds (uPlot's x unit). */
  xs: number[];
  actions: string[];
  /** One column per action, aligned with xs; 0 where a bucket had none. */
  counts: number[][];
  totals: Map<string, number>;
}

export function actionSeries(rows: AggregateRow[]): ActionSeries {
  const buckets = [...new Set(rows.map((r) => Date.parse(r.bucket_start)))].sort((a, b) => a - b);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const actions = [...new Set(rows.map((r) => r.action ?? 'all'))].sort();
  const column = new Map(actions.map((a) => [a, new Array<number>(buckets.length).fill(0)]));
  const totals = new Map(actions.map((a) => [a, 0]));
  for (const row of rows) {
    const action = row.action ?? 'all';
    const i = index.get(Date.parse(row.bucket_start)) ?? 0;
    const values = column.get(action);
    if (values) values[i] = (values[i] ?? 0) + row.count;
    totals.set(action, (totals.get(action) ?? 0) + row.count);
  }
  return { xs: buckets.map((b) => b / 1_000), actions, counts: actions.map((a) => column.get(a) ?? []), totals };
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en');
}

export function formatRate(n: number): string {
  if (n >= 10_000) return `${(n / 1_000).toFixed(1)}k`;
  return Math.round(n).toLocaleString('en');
}

export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3_600)} h ago`;
}

/** A rolling window of live frames for the events/s chart. */
export function pushWindow<T>(window: T[], item: T, max: number): T[] {
  window.push(item);
  if (window.length > max) window.splice(0, window.length - max);
  return window;
}
