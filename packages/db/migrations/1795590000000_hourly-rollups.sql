-- Up Migration

-- Unfiltered reports over a day fold every user's hourly rows (120,000 for 1,000 users and 5
-- actions). These two keep the same hours summed over all users (user_id = '') and over all
-- actions (action = ''), a few thousand rows a day, upserted by the consumer in the same
-- transaction as the minutes. Same columns and key as aggregates_hour.
CREATE TABLE aggregates_hour_per_action (LIKE aggregates_hour INCLUDING DEFAULTS);
ALTER TABLE aggregates_hour_per_action ADD PRIMARY KEY (bucket_start, user_id, action);
ALTER TABLE aggregates_hour_per_action ADD CHECK (user_id = '');
CREATE TABLE aggregates_hour_per_user (LIKE aggregates_hour INCLUDING DEFAULTS);
ALTER TABLE aggregates_hour_per_user ADD PRIMARY KEY (bucket_start, user_id, action);
ALTER TABLE aggregates_hour_per_user ADD CHECK (action = '');

INSERT INTO aggregates_hour_per_action
  (bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at, updated_at)
SELECT bucket_start, '', action, sum(event_count), sum(value_sum), min(value_min), max(value_max),
       CASE WHEN bool_and(value_sum IS NULL OR value_count IS NOT NULL) THEN sum(value_count) END,
       min(first_occurred_at), max(last_occurred_at), max(updated_at)
FROM aggregates_hour GROUP BY bucket_start, action;
INSERT INTO aggregates_hour_per_user
  (bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at, updated_at)
SELECT bucket_start, user_id, '', sum(event_count), sum(value_sum), min(value_min), max(value_max),
       CASE WHEN bool_and(value_sum IS NULL OR value_count IS NOT NULL) THEN sum(value_count) END,
       min(first_occurred_at), max(last_occurred_at), max(updated_at)
FROM aggregates_hour GROUP BY bucket_start, user_id;

GRANT SELECT ON aggregates_hour_per_action, aggregates_hour_per_user TO tally_reports;

-- Down Migration
DROP TABLE aggregates_hour_per_user;
DROP TABLE aggregates_hour_per_action;
