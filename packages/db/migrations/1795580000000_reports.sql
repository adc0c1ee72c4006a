-- Up Migration

-- What the reports app reads beside aggregates_minute: hourly rollups (kept by the consumer in the
-- same transaction, so they are exactly as right as the minutes), how many events carried a value
-- (for an exact average), and per partition how many events were counted and the newest applied.

-- Rows written before this migration do not know how many of their events carried a value (NULL);
-- averages over them are reported as unknown rather than guessed.
ALTER TABLE aggregates_minute ADD COLUMN value_count bigint;

CREATE TABLE aggregates_hour (LIKE aggregates_minute INCLUDING DEFAULTS);
ALTER TABLE aggregates_hour ADD PRIMARY KEY (bucket_start, user_id, action);
INSERT INTO aggregates_hour
  (bucket_start, user_id, action, event_count, value_sum, value_min, value_max, first_occurred_at, last_occurred_at, updated_at, value_count)
SELECT date_trunc('hour', bucket_start, 'UTC'), user_id, action, sum(event_count), sum(value_sum), min(value_min), max(value_max),
       min(first_occurred_at), max(last_occurred_at), max(updated_at),
       CASE WHEN bool_and(value_sum IS NULL OR value_count IS NOT NULL) THEN sum(value_count) END
FROM aggregates_minute GROUP BY 1, 2, 3;

-- Reports filter by user or by action over a time range.
CREATE INDEX aggregates_minute_user_time ON aggregates_minute (user_id, bucket_start);
CREATE INDEX aggregates_minute_action_time ON aggregates_minute (action, bucket_start);
CREATE INDEX aggregates_hour_user_time ON aggregates_hour (user_id, bucket_start);
CREATE INDEX aggregates_hour_action_time ON aggregates_hour (action, bucket_start);

ALTER TABLE consumer_offsets
  ADD COLUMN events_counted bigint NOT NULL DEFAULT 0,
  ADD COLUMN newest_occurred_at timestamptz;

-- The reports app's role: it may read the numbers and the pipeline's progress, nothing else.
-- Roles belong to the whole server, so it is created once and granted in each database.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tally_reports') THEN
    CREATE ROLE tally_reports LOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another database's migration created it at the same moment
END
$$;
DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO tally_reports', current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO tally_reports;
GRANT SELECT ON aggregates_minute, aggregates_hour, consumer_offsets, dead_letters TO tally_reports;

-- Down Migration
REVOKE ALL ON aggregates_minute, aggregates_hour, consumer_offsets, dead_letters FROM tally_reports;
REVOKE USAGE ON SCHEMA public FROM tally_reports;
ALTER TABLE consumer_offsets DROP COLUMN newest_occurred_at, DROP COLUMN events_counted;
DROP TABLE aggregates_hour;
DROP INDEX aggregates_minute_action_time;
DROP INDEX aggregates_minute_user_time;
ALTER TABLE aggregates_minute DROP COLUMN value_count;
