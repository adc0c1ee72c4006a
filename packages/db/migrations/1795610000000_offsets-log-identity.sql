-- Up Migration

-- Which log a partition's next_offset belongs to. An offset means something only in the log it
-- was read from: a topic deleted and recreated under the same name, another Kafka's data behind
-- the same address, or a truncated log, all start their offsets again, and a consumer that
-- trusted the old next_offset would drop every new record as already applied. kafkajs cannot
-- read topic ids (its Metadata requests predate them), so the log is recognised by:
--   kafka_cluster_id       the cluster's id (DescribeCluster), written with every next_offset
--   last_record_offset     the last record applied (next_offset - 1 when written by the consumer),
--   last_record_timestamp  its Kafka timestamp,
--   last_record_hash       and sha256 of its key and value: the consumer checks that the log
--                          still holds this record before reading past it
--   log_mismatch           set by the consumer when the log is not the one (why, and what it saw);
--                          the partition stays stopped until `pnpm consumer:offsets reset` clears it
-- All null on rows written before this migration: those are adopted (checked against the log's
-- end only) and get their identity with their next batch.
ALTER TABLE consumer_offsets
  ADD COLUMN kafka_cluster_id text,
  ADD COLUMN last_record_offset bigint,
  ADD COLUMN last_record_timestamp timestamptz,
  ADD COLUMN last_record_hash bytea,
  ADD COLUMN log_mismatch text;

-- NOTE: no GRANT needed: tally_consumer's UPDATE and INSERT on consumer_offsets and
-- tally_reports's SELECT are table-wide (1795600000000, 1795580000000), so they cover new columns.

-- Down Migration
ALTER TABLE consumer_offsets
  DROP COLUMN log_mismatch,
  DROP COLUMN last_record_hash,
  DROP COLUMN last_record_timestamp,
  DROP COLUMN last_record_offset,
  DROP COLUMN kafka_cluster_id;
