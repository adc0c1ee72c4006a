// Each table's row as node-pg returns it (bigint as string, timestamptz as Date), written once
// here beside the migrations that make the tables.

/** aggregates_minute, aggregates_hour, aggregates_hour_per_action, aggregates_hour_per_user. */
export interface AggregateTableRow {
  bucket_start: Date;
  /** '' in aggregates_hour_per_action: summed over all users. */
  user_id: string;
  /** '' in aggregates_hour_per_user: summed over all actions. */
  action: string;
  event_count: string;
  /** Over the events that carried a value; null when none did. */
  value_sum: number | null;
  value_min: number | null;
  value_max: number | null;
  /** How many events carried a value; null on rows from before the column existed. */
  value_count: string | null;
  first_occurred_at: Date;
  last_occurred_at: Date;
  updated_at: Date;
}

/** consumer_offsets: where each partition resumes, written in the transaction that applied it. */
export interface ConsumerOffsetRow {
  consumer_group: string;
  topic: string;
  partition: number;
  next_offset: string;
  events_counted: string;
  newest_occurred_at: Date | null;
  updated_at: Date;
}

/** dead_letters: one row per source record sent to the dead-letter topic. */
export interface DeadLetterRow {
  topic: string;
  partition: number;
  offset: string;
  reason_code: string;
  reason: string;
  recorded_at: Date;
}

/** seen_events: event ids already counted (partitioned by day), to drop client resends. */
export interface SeenEventRow {
  event_id: string;
  seen_on: Date;
}
