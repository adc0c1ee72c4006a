-- Up Migration

-- Three roles, least privilege (roles belong to the whole server: created once, granted here):
--   tally_owner     owns the schema; run migrations as it (`MIGRATIONS_DATABASE_URL`)
--   tally_consumer  the consumer: reads and upserts the numbers and its offsets, appends dedupe
--                   ids and dead letters; no DELETE, TRUNCATE or DDL
--   tally_reports   the reports app: SELECT only (created by an earlier migration)
-- No passwords here: local PostgreSQL trusts 127.0.0.1; elsewhere the operator sets them
-- (README, "Security").
DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['tally_owner', 'tally_consumer'] LOOP
    BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
        EXECUTE format('CREATE ROLE %I LOGIN', role_name);
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database's migration created it at the same moment
    END;
  END LOOP;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO tally_owner, tally_consumer', current_database());
END
$$;

-- The owner takes every table (and its sequences), every seen_events partition and the function.
GRANT USAGE, CREATE ON SCHEMA public TO tally_owner;
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  LOOP
    EXECUTE format('ALTER TABLE %I OWNER TO tally_owner', t.relname);
  END LOOP;
END
$$;

-- Partition upkeep needs the owner's rights (CREATE and DROP of partitions); the consumer runs it
-- through this function, which runs as its owner, with a search_path no caller can change.
ALTER FUNCTION tally_maintain_seen_events(integer) OWNER TO tally_owner;
ALTER FUNCTION tally_maintain_seen_events(integer) SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE ALL ON FUNCTION tally_maintain_seen_events(integer) FROM PUBLIC;

GRANT USAGE ON SCHEMA public TO tally_consumer;
GRANT SELECT, INSERT, UPDATE ON
  aggregates_minute, aggregates_hour, aggregates_hour_per_action, aggregates_hour_per_user, consumer_offsets
  TO tally_consumer;
GRANT SELECT, INSERT ON seen_events, dead_letters TO tally_consumer;
GRANT EXECUTE ON FUNCTION tally_maintain_seen_events(integer) TO tally_consumer;

-- Down Migration
REVOKE ALL ON FUNCTION tally_maintain_seen_events(integer) FROM tally_consumer;
REVOKE ALL ON seen_events, dead_letters FROM tally_consumer;
REVOKE ALL ON
  aggregates_minute, aggregates_hour, aggregates_hour_per_action, aggregates_hour_per_user, consumer_offsets
  FROM tally_consumer;
REVOKE USAGE ON SCHEMA public FROM tally_consumer;
ALTER FUNCTION tally_maintain_seen_events(integer) SECURITY INVOKER RESET search_path;
GRANT EXECUTE ON FUNCTION tally_maintain_seen_events(integer) TO PUBLIC;
