-- Up Migration

-- The per-action hourly rollup had one row per hour and action, which every partition's batches
-- upserted: a consumer frozen inside its transaction (SIGSTOP, a long pause) held those row locks,
-- and the batches of every other partition waited for it. The rollup is now kept as partial rows,
-- one per hour, action and shard, where the shard is the Kafka partition whose batches wrote it, so
-- no two partitions ever write the same row. aggregates_hour_per_action stays, under its name and
-- with its columns, as the view that sums the partial rows: readers change nothing.
--
-- LIKE copies the columns (and their types) as they are now, and the CHECK (user_id = '').
CREATE TABLE aggregates_hour_per_action_shard (LIKE aggregates_hour_per_action INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
-- The Kafka partition; -1 holds the rows summed before this migration, which nothing writes again.
ALTER TABLE aggregates_hour_per_action_shard ADD COLUMN shard integer NOT NULL;
ALTER TABLE aggregates_hour_per_action_shard ADD PRIMARY KEY (bucket_start, action, shard);

-- A consumer of the previous version may still be applying: its per-action upserts wait here
-- until the table is gone (and then fail and are retried on the new layout), none committed
-- between the copy and the DROP.
LOCK TABLE aggregates_hour_per_action IN EXCLUSIVE MODE;
INSERT INTO aggregates_hour_per_action_shard
  (bucket_start, user_id, action, shard, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at, updated_at)
SELECT bucket_start, user_id, action, -1, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at, updated_at
FROM aggregates_hour_per_action;

DROP TABLE aggregates_hour_per_action;

-- The sums are those 1795590000000 computed from aggregates_hour: NULL values are skipped by
-- sum/min/max (value_sum is NULL only if no part carried a value), and value_count is unknown
-- (NULL) as soon as a part that carried values does not know its count (a row from before
-- value_count existed). The columns keep the table's names, order and types.
CREATE VIEW aggregates_hour_per_action AS
SELECT bucket_start,
       ''::text AS user_id,
       action,
       sum(event_count)::bigint AS event_count,
       sum(value_sum) AS value_sum,
       min(value_min) AS value_min,
       max(value_max) AS value_max,
       min(first_occurred_at) AS first_occurred_at,
       max(last_occurred_at) AS last_occurred_at,
       max(updated_at) AS updated_at,
       (CASE WHEN bool_and(value_sum IS NULL OR value_count IS NOT NULL) THEN sum(value_count) END)::bigint AS value_count
FROM aggregates_hour_per_action_shard
GROUP BY bucket_start, action;

-- Partial rows multiply the rows a long report reads by the number of partitions (a year by day:
-- 44,000 rows became 527,000 with 12 partitions, and 37 ms became 780 ms). Hours that closed are
-- folded into one row each (shard -1) by the consumer's hourly upkeep, so only the last hours, and
-- events that arrive late for an older hour, stay as partial rows. The fold is one statement: the
-- view gives the same numbers before and after it. It takes no lock a batch holds for long: a
-- batch writing a late event into an hour being folded waits for that one statement, and the fold
-- waits on a batch at most the consumer's lock_timeout (then it is tried again the next hour).
CREATE INDEX aggregates_hour_per_action_shard_unfolded ON aggregates_hour_per_action_shard (bucket_start) WHERE shard >= 0;

CREATE FUNCTION tally_fold_hour_per_action(older_than timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  folded bigint;
BEGIN
  -- One fold at a time; a consumer that finds one running leaves the work to it.
  IF NOT pg_try_advisory_xact_lock(hashtext('tally_fold_hour_per_action')) THEN
    RETURN 0;
  END IF;
  -- TRICKY: the merge of two rows is the view's sum over two parts, value_count included (unknown
  -- as soon as a part with values does not know its count), so folding never changes the view.
  WITH parts AS (
    DELETE FROM aggregates_hour_per_action_shard
    WHERE shard >= 0 AND bucket_start < older_than
    RETURNING *
  ), hours AS (
    SELECT bucket_start, action, sum(event_count) AS event_count, sum(value_sum) AS value_sum,
           min(value_min) AS value_min, max(value_max) AS value_max,
           CASE WHEN bool_and(value_sum IS NULL OR value_count IS NOT NULL) THEN sum(value_count) END AS value_count,
           min(first_occurred_at) AS first_occurred_at, max(last_occurred_at) AS last_occurred_at, max(updated_at) AS updated_at
    FROM parts GROUP BY bucket_start, action
  )
  INSERT INTO aggregates_hour_per_action_shard AS a
    (bucket_start, user_id, action, shard, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at, updated_at)
  SELECT bucket_start, '', action, -1, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at, updated_at
  FROM hours
  ON CONFLICT (bucket_start, action, shard) DO UPDATE SET
    event_count = a.event_count + EXCLUDED.event_count,
    value_sum = CASE WHEN EXCLUDED.value_sum IS NULL THEN a.value_sum ELSE COALESCE(a.value_sum, 0) + EXCLUDED.value_sum END,
    value_min = LEAST(a.value_min, EXCLUDED.value_min),
    value_max = GREATEST(a.value_max, EXCLUDED.value_max),
    value_count = CASE
      WHEN (a.value_sum IS NOT NULL AND a.value_count IS NULL) OR (EXCLUDED.value_sum IS NOT NULL AND EXCLUDED.value_count IS NULL) THEN NULL
      WHEN a.value_count IS NULL THEN EXCLUDED.value_count
      WHEN EXCLUDED.value_count IS NULL THEN a.value_count
      ELSE a.value_count + EXCLUDED.value_count
    END,
    first_occurred_at = LEAST(a.first_occurred_at, EXCLUDED.first_occurred_at),
    last_occurred_at = GREATEST(a.last_occurred_at, EXCLUDED.last_occurred_at),
    updated_at = GREATEST(a.updated_at, EXCLUDED.updated_at);
  GET DIAGNOSTICS folded = ROW_COUNT;
  RETURN folded;
END;
$$;

-- As 1795600000000 set them: the owner owns the table, the view and the fold (which deletes, so
-- the consumer runs it through this SECURITY DEFINER function, as it does the seen_events upkeep);
-- the reports read, the consumer upserts the partial rows (and may read the sums, as it could the table).
ALTER TABLE aggregates_hour_per_action_shard OWNER TO tally_owner;
ALTER VIEW aggregates_hour_per_action OWNER TO tally_owner;
ALTER FUNCTION tally_fold_hour_per_action(timestamptz) OWNER TO tally_owner;
ALTER FUNCTION tally_fold_hour_per_action(timestamptz) SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE ALL ON FUNCTION tally_fold_hour_per_action(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tally_fold_hour_per_action(timestamptz) TO tally_consumer;
GRANT SELECT ON aggregates_hour_per_action, aggregates_hour_per_action_shard TO tally_reports;
GRANT SELECT, INSERT, UPDATE ON aggregates_hour_per_action_shard TO tally_consumer;
GRANT SELECT ON aggregates_hour_per_action TO tally_consumer;

-- Down Migration
DROP FUNCTION tally_fold_hour_per_action(timestamptz);
DROP VIEW aggregates_hour_per_action;
CREATE TABLE aggregates_hour_per_action (LIKE aggregates_hour INCLUDING DEFAULTS);
ALTER TABLE aggregates_hour_per_action ADD PRIMARY KEY (bucket_start, user_id, action);
ALTER TABLE aggregates_hour_per_action ADD CHECK (user_id = '');
INSERT INTO aggregates_hour_per_action
  (bucket_start, user_id, action, event_count, value_sum, value_min, value_max, value_count, first_occurred_at, last_occurred_at, updated_at)
SELECT bucket_start, '', action, sum(event_count), sum(value_sum), min(value_min), max(value_max),
       CASE WHEN bool_and(value_sum IS NULL OR value_count IS NOT NULL) THEN sum(value_count) END,
       min(first_occurred_at), max(last_occurred_at), max(updated_at)
FROM aggregates_hour_per_action_shard GROUP BY bucket_start, action;
DROP TABLE aggregates_hour_per_action_shard;
ALTER TABLE aggregates_hour_per_action OWNER TO tally_owner;
GRANT SELECT ON aggregates_hour_per_action TO tally_reports;
GRANT SELECT, INSERT, UPDATE ON aggregates_hour_per_action TO tally_consumer;
