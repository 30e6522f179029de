-- pekko-persistence-jdbc 1.1.1's H2 schema (schema/h2/h2-create-schema.sql), every statement made
-- idempotent so that it runs at each start, then Shoal's own tables. Statements end with ';' + newline.
CREATE TABLE IF NOT EXISTS PUBLIC."event_journal" (
    "ordering" BIGINT UNIQUE NOT NULL AUTO_INCREMENT,
    "deleted" BOOLEAN DEFAULT false NOT NULL,
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "writer" VARCHAR NOT NULL,
    "write_timestamp" BIGINT NOT NULL,
    "adapter_manifest" VARCHAR NOT NULL,
    "event_payload" BLOB NOT NULL,
    "event_ser_id" INTEGER NOT NULL,
    "event_ser_manifest" VARCHAR NOT NULL,
    "meta_payload" BLOB,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR,
    PRIMARY KEY("persistence_id","sequence_number")
);
CREATE UNIQUE INDEX IF NOT EXISTS "event_journal_ordering_idx" ON PUBLIC."event_journal" ("ordering");
CREATE TABLE IF NOT EXISTS PUBLIC."event_tag" (
    "event_id" BIGINT,
    "persistence_id" VARCHAR(255),
    "sequence_number" BIGINT,
    "tag" VARCHAR NOT NULL,
    PRIMARY KEY("persistence_id", "sequence_number", "tag"),
    CONSTRAINT fk_event_journal
      FOREIGN KEY("persistence_id", "sequence_number")
      REFERENCES "event_journal"("persistence_id", "sequence_number")
      ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "event_tag_idx" ON PUBLIC."event_tag" ("tag");
CREATE TABLE IF NOT EXISTS PUBLIC."snapshot" (
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "created" BIGINT NOT NULL,
    "snapshot_ser_id" INTEGER NOT NULL,
    "snapshot_ser_manifest" VARCHAR NOT NULL,
    "snapshot_payload" BLOB NOT NULL,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR,
    "meta_payload" BLOB,
    PRIMARY KEY("persistence_id","sequence_number")
);
CREATE TABLE IF NOT EXISTS PUBLIC.shoal_items (
    items_key VARCHAR(64) NOT NULL,
    block INTEGER NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY(items_key, block)
);
CREATE TABLE IF NOT EXISTS PUBLIC.shoal_results (
    job_id VARCHAR(64) NOT NULL,
    first_line BIGINT NOT NULL,
    line_count INTEGER NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY(job_id, first_line)
);
CREATE TABLE IF NOT EXISTS PUBLIC.shoal_jars (
    sha256 VARCHAR(64) NOT NULL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    size BIGINT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    functions VARCHAR NOT NULL,
    payload BLOB NOT NULL
);
