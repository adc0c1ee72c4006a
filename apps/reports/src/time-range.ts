// Time ranges and buckets, in UTC milliseconds. Granularities are whole minutes, hours or days; a requested range
// is widened to whole buckets, so every bucket in an answer is complete.
import type { Granularity } from '@tally/reports-api';

export const BUCKET_MS: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The longest range each granularity answers (bounds the rows one query reads). */
export const MAX_RANGE_MS: Record<Granularity, number> = {
  minute: 24 * 3_600_000,
  hour: 31 * 86_400_000,
  day: 366 * 86_400_000,
};

export const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;
export const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;

export interface Range {
  from: number;
  to: number;
}

export function widen(range: Range, granularity: Granularity): Range {
  const step = BUCKET_MS[granularity];
  return { from: floorTo(range.from, step), to: ceilTo(range.to, step) };
}

/**
 * Splits [from, to) into the whole hours inside it (read from aggregates_hour) and the minutes at
 * either edge (read from aggregates_minute), so a long range reads ~60 times fewer rows.
 */
export function splitByHour(range: Range): { hours: Range | undefined; minutes: Range[] } {
  const firstHour = ceilTo(range.from, BUCKET_MS.hour);
  const lastHour = floorTo(range.to, BUCKET_MS.hour);
  if (firstHour >= lastHour) return { hours: undefined, minutes: [range] };
  const minutes = [
    { from: range.from, to: firstHour },
    { from: lastHour, to: range.to },
  ].filter((r) => r.from < r.to);
  return { hours: { from: firstHour, to: lastHour }, minutes };
}
