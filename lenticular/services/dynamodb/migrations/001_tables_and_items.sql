-- DynamoDB tables and their items. Later migrations add index entries (GSI/LSI),
-- stream records and TTL bookkeeping in tables of their own.

-- One row per table; `description` is the TableDescription as JSON (what DescribeTable
-- answers, minus the live ItemCount/TableSizeBytes), so new fields need no migration.
CREATE TABLE ddb_tables (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: stale ids match nothing
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  REAL NOT NULL,
    UNIQUE (account_id, region, name)
);

-- Every item of every table, clustered by key. `hash_key` is a 4-byte token (CRC32 of
-- the encoded partition key) followed by the order-preserving encoding of the partition
-- key; `range_key` is the encoding of the sort key (empty for hash-only tables). SQLite
-- compares BLOBs with memcmp, so a partition's items sit together in sort-key order and
-- a Query is a range seek. `item` is the item as orjson bytes (wire format, binary
-- values base64), `size` its DynamoDB size in bytes.
CREATE TABLE ddb_items (
    table_id  INTEGER NOT NULL,
    hash_key  BLOB NOT NULL,
    range_key BLOB NOT NULL,
    item      BLOB NOT NULL,
    size      INTEGER NOT NULL,
    PRIMARY KEY (table_id, hash_key, range_key)
) WITHOUT ROWID;

-- Tags of a table (TagResource/UntagResource/ListTagsOfResource).
CREATE TABLE ddb_tags (
    table_id INTEGER NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (table_id, key)
) WITHOUT ROWID;
