-- Up Migration

-- What users query: one row per minute bucket, user and action.
-- value_* cover the events that carried a value (null when none did).
CREATE TABLE aggregates_minute (
  bucket_start      timestamptz      NOT NULL,
  user_id           text             NOT NULL,
  action            text             NOT NULL,
  event_count       bigint           NOT NULL,
  value_sum         double precision,
  value_min         double precision,
  value_max         double precision,
  first_occurred_at timestamptz      NOT NULL,
  last_occurred_at  timestamptz      NOT NULL,
  updated_at        timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (bucket_start, user_id, action)
);

-- The offsets applied to aggregates_minute, written in the same transaction: PostgreSQL, not
-- Kafka, is the source of truth for progress, and this row is the fence a stale consumer meets.
CREATE TABLE consumer_offsets (
  consumer_group text        NOT NULL,
  topic          text        NOT NULL,
  partition      integer     NOT NULL,
  next_offset    bigint      NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);

-- Event ids already counted, to drop client resends. One partition per day (UTC) of counting,
-- so old ids go with a DROP TABLE instead of a DELETE. The key leads with event_id so a lookup
-- by id uses each partition's index.
CREATE TABLE seen_events (
  event_id uuid NOT NULL,
  seen_on  date NOT NULL,
  PRIMARY KEY (event_id, seen_on)
) PARTITION BY RANGE (seen_on);

-- Records sent to the dead-letter topic, one row per source record, for exact counts.
CREATE TABLE dead_letters (
  topic       text        NOT NULL,
  partition   integer     NOT NULL,
  "offset"    bigint      NOT NULL,
  reason_code text        NOT NULL,
  reason      text        NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition, "offset")
);

-- Creates the seen_events partitions from yesterday to two days ahead and drops those older
-- than the retention. Idempotent; the consumer calls it at start and every hour.
CREATE FUNCTION tally_maintain_seen_events(retention_days integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  day date;
  old record;
BEGIN
  FOR day IN SELECT generate_series(today - 1, today + 2, interval '1 day')::date LOOP
    EXECUTE format(
      'CREATE TABLE IF NOT EXISTS %I PARTITION OF seen_events FOR VALUES FROM (%L) TO (%L)',
      'seen_events_' || to_char(day, 'YYYYMMDD'), day, day + 1
    );
  END LOOP;
  FOR old IN
    SELECT c.relname FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = 'seen_events'
      AND to_date(substring(c.relname FROM 'seen_events_(\d{8})$'), 'YYYYMMDD') < today - retention_days
  LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I', old.relname);
  END LOOP;
END;
$$;

-- Down Migration
DROP FUNCTION tally_maintain_seen_events(integer);
DROP TABLE dead_letters;
DROP TABLE seen_events;
DROP TABLE consumer_offsets;
DROP TABLE aggregates_minute;
