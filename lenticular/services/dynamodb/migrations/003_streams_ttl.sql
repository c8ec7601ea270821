-- DynamoDB Streams (the streams of each table and their records) and the TTL expiry
-- index the sweeper reads.

-- One row per stream ever enabled on a table. A stream outlives its table's interest
-- in it: disabling the stream (or deleting the table) sets `disabled_at`, and the
-- stream stays readable for 24 hours before the sweeper purges it. `key_schema` is the
-- table's KeySchema as JSON. Each stream has one shard (`shard_id`), whose sequence
-- numbers start at `start_seq`; `end_seq` closes it when the stream is disabled;
-- `trimmed_to` is the last sequence number trimmed away (older than 24 hours).
CREATE TABLE ddb_streams (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    table_id    INTEGER NOT NULL,
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    table_name  TEXT NOT NULL,
    arn         TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    view_type   TEXT NOT NULL,
    key_schema  TEXT NOT NULL,
    created_at  REAL NOT NULL,
    disabled_at REAL,
    shard_id    TEXT NOT NULL,
    start_seq   INTEGER NOT NULL,
    end_seq     INTEGER,
    trimmed_to  INTEGER NOT NULL DEFAULT 0
);

-- Stream records in commit order. `seq` is global and never reused (AUTOINCREMENT), so
-- it orders the records of every stream; `record` is the wire-format Record as orjson
-- (binary values base64).
CREATE TABLE ddb_stream_records (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id  INTEGER NOT NULL,
    created_at REAL NOT NULL,
    record     BLOB NOT NULL
);
CREATE INDEX ddb_stream_records_by_stream ON ddb_stream_records (stream_id, seq);

-- Items of TTL-enabled tables whose TTL attribute is a number: when each expires
-- (epoch seconds). Maintained with the items (changes.Writer observers).
CREATE TABLE ddb_ttl (
    table_id   INTEGER NOT NULL,
    hash_key   BLOB NOT NULL,
    range_key  BLOB NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (table_id, hash_key, range_key)
) WITHOUT ROWID;
CREATE INDEX ddb_ttl_by_time ON ddb_ttl (table_id, expires_at);
