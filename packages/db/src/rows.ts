// Each table's row as node-pg returns it (bigint as string, timestamptz as Date), written once
// here beside the migrations that make the tables.

/**
 * aggregates_minute, aggregates_hour, aggregates_hour_per_action (a view summing the partial rows
 * of aggregates_hour_per_action_shard, which add a `shard` column), aggregates_hour_per_user.
 */
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
  /** The log next_offset belongs to (migration 1795610000000); null on rows from before it. */
  kafka_cluster_id: string | null;
  /** The last record applied, as the log held it: offset, Kafka timestamp, sha256 of key and value. */
  last_record_offset: string | null;
  last_record_timestamp: Date | null;
  last_record_hash: Buffer | null;
  /** Why the consumer stopped the partition (the log is not the one); null while it consumes. */
  log_mismatch: string | null;
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
