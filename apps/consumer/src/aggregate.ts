import type { ReportEvent } from '@tally/schemas';

/**
 * Folds a batch of events into per-minute deltas, one per (bucket, user, action), so the database
 * sees one row per group instead of one statement per event.
 */
export interface AggregateDelta {
  bucketStart: number;
  userId: string;
  action: string;
  count: number;
  /** Over the events that carry a value; null when none did. */
  valueSum: number | null;
  valueMin: number | null;
  valueMax: number | null;
  firstOccurredAt: number;
  lastOccurredAt: number;
}

export const BUCKET_MS = 60_000;

export function bucketOf(occurredAt: number): number {
  return Math.floor(occurredAt / BUCKET_MS) * BUCKET_MS;
}

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
    }
    if (event.occurred_at < delta.firstOccurredAt) delta.firstOccurredAt = event.occurred_at;
    if (event.occurred_at > delta.lastOccurredAt) delta.lastOccurredAt = event.occurred_at;
  }
  return [...deltas.values()];
}
