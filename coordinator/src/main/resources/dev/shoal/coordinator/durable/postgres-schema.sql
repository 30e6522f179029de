-- pekko-persistence-jdbc 1.1.1's PostgreSQL schema (schema/postgres/postgres-create-schema.sql), every
-- statement made idempotent so that it runs at each start, then Shoal's own tables.
CREATE TABLE IF NOT EXISTS public.event_journal(
  ordering BIGSERIAL,
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  deleted BOOLEAN DEFAULT FALSE NOT NULL,
  writer VARCHAR(255) NOT NULL,
  write_timestamp BIGINT,
  adapter_manifest VARCHAR(255),
  event_ser_id INTEGER NOT NULL,
  event_ser_manifest VARCHAR(255) NOT NULL,
  event_payload BYTEA NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,
  PRIMARY KEY(persistence_id, sequence_number)
);
CREATE UNIQUE INDEX IF NOT EXISTS event_journal_ordering_idx ON public.event_journal(ordering);
CREATE TABLE IF NOT EXISTS public.event_tag(
    event_id BIGINT,
    persistence_id VARCHAR(255),
    sequence_number BIGINT,
    tag VARCHAR(256),
    PRIMARY KEY(persistence_id, sequence_number, tag),
    CONSTRAINT fk_event_journal
      FOREIGN KEY(persistence_id, sequence_number)
      REFERENCES event_journal(persistence_id, sequence_number)
      ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS event_tag_idx ON public.event_tag(tag);
CREATE TABLE IF NOT EXISTS public.snapshot (
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  created BIGINT NOT NULL,
  snapshot_ser_id INTEGER NOT NULL,
  snapshot_ser_manifest VARCHAR(255) NOT NULL,
  snapshot_payload BYTEA NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,
  PRIMARY KEY(persistence_id, sequence_number)
);
CREATE TABLE IF NOT EXISTS public.shoal_items (
  items_key VARCHAR(64) NOT NULL,
  block INTEGER NOT NULL,
  payload BYTEA NOT NULL,
  PRIMARY KEY(items_key, block)
);
CREATE TABLE IF NOT EXISTS public.shoal_results (
  job_id VARCHAR(64) NOT NULL,
  first_line BIGINT NOT NULL,
  line_count INTEGER NOT NULL,
  payload BYTEA NOT NULL,
  PRIMARY KEY(job_id, first_line)
);
CREATE TABLE IF NOT EXISTS public.shoal_jars (
  sha256 VARCHAR(64) NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  size BIGINT NOT NULL,
  uploaded_at BIGINT NOT NULL,
  functions TEXT NOT NULL,
  payload BYTEA NOT NULL
);
