-- Secondary index entries, item collection sizes (tables with LSIs) and the
-- ClientRequestTokens of TransactWriteItems.

-- One row per item per index that holds it (indexes are sparse). `hash_key` is the
-- index partition key column (4-byte token + encoded value, like ddb_items.hash_key;
-- for an LSI it equals the item's own hash_key), `range_key` the encoded index sort
-- key (empty for a hash-only GSI). `item_hash`/`item_range` are the item's key in
-- ddb_items: reads join the item and project it, so entries never hold stale copies.
-- Entries with equal index keys order by the table key. `size` is the projected size.
CREATE TABLE ddb_index_entries (
    table_id   INTEGER NOT NULL,
    index_name TEXT NOT NULL,
    hash_key   BLOB NOT NULL,
    range_key  BLOB NOT NULL,
    item_hash  BLOB NOT NULL,
    item_range BLOB NOT NULL,
    size       INTEGER NOT NULL,
    PRIMARY KEY (table_id, index_name, hash_key, range_key, item_hash, item_range)
) WITHOUT ROWID;

-- Size in bytes of each item collection (items sharing a partition key, plus their LSI
-- entries) of tables with LSIs: ReturnItemCollectionMetrics and the 10 GB limit.
CREATE TABLE ddb_collections (
    table_id INTEGER NOT NULL,
    hash_key BLOB NOT NULL,
    size     INTEGER NOT NULL,
    PRIMARY KEY (table_id, hash_key)
) WITHOUT ROWID;

-- TransactWriteItems ClientRequestTokens (idempotent for 10 minutes): the digest of the
-- request that used the token and the response it got.
CREATE TABLE ddb_request_tokens (
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    token      TEXT NOT NULL,
    digest     BLOB NOT NULL,
    response   BLOB NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (account_id, region, token)
) WITHOUT ROWID;
