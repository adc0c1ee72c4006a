// The reports API's HTTP contract: the JSON each /v1 route answers with, written once for the server (apps/reports)
// and its clients (apps/dashboard). Types only: nothing here runs.

/** Bucket sizes /v1/aggregates answers in (`granularity=`). */
export type Granularity = 'minute' | 'hour' | 'day';

/** GET /v1/aggregates: one bucket (per user and/or action when grouped by them). */
export interface AggregateRow {
  bucket_start: string;
  user_id?: string;
  action?: string;
  count: number;
  /** Over the events that carried a value; null when none did. */
  sum: number | null;
  min: number | null;
  max: number | null;
  avg: number | null;
}

/** GET /v1/aggregates: one page of rows, in key order. */
export interface AggregatesPage {
  granularity: Granularity;
  /** The range answered: the one asked for, widened to whole buckets. */
  from: string;
  to: string;
  group_by: string[];
  rows: AggregateRow[];
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: string | null;
}

/** What /v1/top ranks (`by=`). */
export type TopBy = 'user' | 'action';

/** What /v1/top ranks by (`metric=`). */
export type TopMetric = 'count' | 'sum';

export interface TopEntry {
  key: string;
  count: number;
  sum: number | null;
}

/** GET /v1/top: the heaviest users or actions in a range. */
export interface TopAnswer {
  by: TopBy;
  metric: TopMetric;
  from: string;
  to: string;
  entries: TopEntry[];
}

/** One partition of the report topic: what Kafka holds and what the consumer group applied. */
export interface PartitionProgress {
  partition: number;
  high_watermark: number;
  applied_offset: number | null;
  lag: number;
  events_counted: number;
  newest_occurred_at: string | null;
}

/** GET /v1/freshness: how far the numbers are complete, and why. */
export interface FreshnessAnswer {
  checked_at: string;
  complete_through: string | null;
  explanation: string;
  lag: number;
  dead_letters: number;
  partitions: PartitionProgress[];
}

/** GET /v1/stream: the data of each `progress` Server-Sent Event, once a second. */
export interface StreamFrame {
  at: string;
  ingested_per_s: number;
  applied_per_s: number;
  counted_per_s: number;
  lag: number;
  dead_letters: number;
}
