-- Up Migration

-- Consumers starting together call the maintenance at once, and CREATE TABLE IF NOT EXISTS is not
-- safe against a concurrent creator: one transaction at a time takes an advisory lock first.
CREATE OR REPLACE FUNCTION tally_maintain_seen_events(retention_days integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  day date;
  old record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('tally_maintain_seen_events'));
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
-- The earlier version of the function, without the lock, comes back with the previous migration;
-- nothing to undo here that would not leave the race in place.
