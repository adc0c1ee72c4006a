// Folds counted events into per-minute deltas, and those into the hourly rollups, for apply/upsert.ts.
import type { AggregateDelta } from '@tally/db';
import type { ReportEvent } from '@tally/schemas';

export type { AggregateDelta };

export const BUCKET_MS = 60_000;
export const HOUR_MS = 3_600_000;

export function bucketOf(occurredAt: number, size = BUCKET_MS): number {
  return Math.floor(occurredAt / size) * size;
}

/**
 * Folds a batch of events into per-minute deltas, one per (bucket, user, action), so the database
 * sees one row per group instead of one statement per event.
 */
export function aggregate(events: Iterable<ReportEvent>): AggregateDelta[] {
  const deltas = new Map<string, AggregateDelta>();
  for (const event of events) {
    const bucketStart = bucketOf(event.occurred_at);
    const key = `${bucketStart}\u0000${event.user_id}\u0000${event.action}`;
    let delta = deltas.get(key);
    if (!delta) {
      delta = {
        bucketStart,
        userId: event.user_id,
        action: event.action,
        count: 0,
        valueSum: null,
        valueMin: null,
        valueMax: null,
        valueCount: 0,
        firstOccurredAt: event.occurred_at,
        lastOccurredAt: event.occurred_at,
      };
      deltas.set(key, delta);
    }
    delta.count += 1;
    if (event.value !== null) {
      delta.valueSum = (delta.valueSum ?? 0) + event.value;
      delta.valueMin = delta.valueMin === null ? event.value : Math.min(delta.valueMin, event.value);
      delta.valueMax = delta.valueMax === null ? event.value : Math.max(delta.valueMax, event.value);
      delta.valueCount += 1;
    }
    if (event.occurred_at < delta.firstOccurredAt) delta.firstOccurredAt = event.occurred_at;
    if (event.occurred_at > delta.lastOccurredAt) delta.lastOccurredAt = event.occurred_at;
  }
  return [...deltas.values()];
}

/**
 * The same deltas per hour, for aggregates_hour (which the reports read for long ranges); with
 * `across` set, also summed over every user or every action (that column left ''), for the
 * per-action and per-user hourly tables that keep unfiltered reports small.
 */
export function rollUpToHours(minutes: Iterable<AggregateDelta>, across?: 'users' | 'actions'): AggregateDelta[] {
  const hours = new Map<string, AggregateDelta>();
  for (const m of minutes) {
    const bucketStart = bucketOf(m.bucketStart, HOUR_MS);
    const userId = across === 'users' ? '' : m.userId;
    const action = across === 'actions' ? '' : m.action;
    const key = `${bucketStart}\u0000${userId}\u0000${action}`;
    const h = hours.get(key);
    if (!h) {
      hours.set(key, { ...m, bucketStart, userId, action });
      continue;
    }
    h.count += m.count;
    if (m.valueSum !== null) h.valueSum = (h.valueSum ?? 0) + m.valueSum;
    if (m.valueMin !== null) h.valueMin = h.valueMin === null ? m.valueMin : Math.min(h.valueMin, m.valueMin);
    if (m.valueMax !== null) h.valueMax = h.valueMax === null ? m.valueMax : Math.max(h.valueMax, m.valueMax);
    h.valueCount += m.valueCount;
    h.firstOccurredAt = Math.min(h.firstOccurredAt, m.firstOccurredAt);
    h.lastOccurredAt = Math.max(h.lastOccurredAt, m.lastOccurredAt);
  }
  return [...hours.values()];
}
