-- Items move from a WITHOUT ROWID table to an ordinary rowid table with the key as a
-- UNIQUE index. A WITHOUT ROWID table keeps whole rows in its key B-tree, so with 1 KB
-- items a leaf page holds a few rows and every insert at a random key (partition keys
-- start with a hash token) splits and rewrites full pages; measured, a PutItem's commit
-- cost more than doubled as a table grew to 60,000 items. Here the rows append to the
-- table B-tree and only the small key entries land at random places in the index,
-- while a GetItem is still one index seek (plus the row) and a Query a range of it.
-- https://www.sqlite.org/withoutrowid.html#when_to_use_without_rowid
CREATE TABLE ddb_items_new (
    table_id  INTEGER NOT NULL,
    hash_key  BLOB NOT NULL,
    range_key BLOB NOT NULL,
    item      BLOB NOT NULL,
    size      INTEGER NOT NULL,
    UNIQUE (table_id, hash_key, range_key)
);

INSERT INTO ddb_items_new (table_id, hash_key, range_key, item, size)
    SELECT table_id, hash_key, range_key, item, size FROM ddb_items;

DROP TABLE ddb_items;

ALTER TABLE ddb_items_new RENAME TO ddb_items;
