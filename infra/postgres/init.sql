-- The databases the local launcher creates in an existing PostgreSQL (compose runs this once, on
-- an empty data volume).
CREATE DATABASE tally;
CREATE DATABASE tally_registry;
