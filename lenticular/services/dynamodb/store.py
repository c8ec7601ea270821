"""Where DynamoDB keeps tables and items: SQLite, one database for all accounts/regions.

Items live in one clustered table ordered by (table, partition key bytes, sort key bytes)
(see `keys` and the migrations), so GetItem is a point lookup, Query a range seek and
Scan a walk in token order. Provider methods run on the event loop with this one
connection, which makes every operation serializable; each write is one transaction
through `Database.write()`, committed before the client hears success.

Items are stored as orjson bytes of the wire-format item; binary values (bytes once the
codec decoded them) are kept as base64 text and decoded again on load. Those bytes are
exactly the item's JSON in a response, so a read that returns an item unchanged can pass
them on as they are (`wire_item`) instead of decoding and re-encoding them.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from lenticular.services.dynamodb.item_cache import ItemCache
from lenticular.state.sqlite import Database

# The package's folder, not this module's: a compiled copy of it lives elsewhere
# (lenticular.compiled).
MIGRATIONS = Path(str(resources.files("lenticular.services.dynamodb") / "migrations"))

# -- item bytes ------------------------------------------------------------------------------


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot store {type(value).__name__}")


def dump_item(item: dict[str, Any]) -> bytes:
    return orjson.dumps(item, default=_default)


def load_item(data: bytes) -> dict[str, Any]:
    item = orjson.loads(data)
    if b'"B":' in data or b'"BS":' in data:  # binary somewhere (or an attribute named B)
        for value in item.values():
            _decode_binary(value)
    return item


def wire_item(data: bytes) -> orjson.Fragment:
    """A stored item as a ready piece of a JSON response body (the codec's serializer
    passes it through and orjson embeds it as is): for reads that return items unchanged
    straight to the wire, never for results that code goes on to read."""
    return orjson.Fragment(data)


def decode_item(item: dict[str, Any]) -> dict[str, Any]:
    """Turn the base64 text of an item's binary values (loaded JSON) back into bytes."""
    for value in item.values():
        _decode_binary(value)
    return item


def _decode_binary(value: dict[str, Any]) -> None:
    for kind, inner in value.items():
        if kind == "B":
            if isinstance(inner, str):
                value["B"] = base64.b64decode(inner)
        elif kind == "BS":
            value["BS"] = [base64.b64decode(m) if isinstance(m, str) else m for m in inner]
        elif kind == "M":
            for member in inner.values():
                _decode_binary(member)
        elif kind == "L":
            for member in inner:
                _decode_binary(member)


# -- the store -------------------------------------------------------------------------------

Row = tuple[bytes, bytes, bytes, int]  # hash_key, range_key, item bytes, size
# An index read: index hash_key, index range_key, item bytes, entry size, item key.
IndexRow = tuple[bytes, bytes, bytes, int, bytes, bytes]

_PUT_ITEM = (
    "INSERT OR REPLACE INTO ddb_items (table_id, hash_key, range_key, item, size)"
    " VALUES (?, ?, ?, ?, ?)"
)
_GET_ITEM = "SELECT item, size FROM ddb_items WHERE table_id = ? AND hash_key = ? AND range_key = ?"
_DELETE_ITEM = "DELETE FROM ddb_items WHERE table_id = ? AND hash_key = ? AND range_key = ?"
_PUT_ENTRY = (
    "INSERT OR REPLACE INTO ddb_index_entries (table_id, index_name, hash_key, range_key,"
    " item_hash, item_range, size) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_DELETE_ENTRY = (
    "DELETE FROM ddb_index_entries WHERE table_id = ? AND index_name = ? AND hash_key = ?"
    " AND range_key = ? AND item_hash = ? AND item_range = ?"
)
_INDEX_COLUMNS = (
    "SELECT e.hash_key, e.range_key, i.item, e.size, e.item_hash, e.item_range"
    " FROM ddb_index_entries e JOIN ddb_items i ON i.table_id = e.table_id"
    " AND i.hash_key = e.item_hash AND i.range_key = e.item_range"
)


class DynamoDBStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.cache = ItemCache()  # hot items for `get` (see item_cache for the rules)

    # -- tables ---------------------------------------------------------------------------

    def tables(self) -> list[tuple[int, str, str, dict[str, Any]]]:
        """Every table: (id, account, region, description)."""
        rows = self.db.query("SELECT id, account_id, region, description FROM ddb_tables")
        return [(r[0], r[1], r[2], orjson.loads(r[3])) for r in rows]

    def create_table(self, account_id: str, region: str, description: dict[str, Any]) -> int:
        with self.db.write() as conn:
            cursor = conn.execute(
                "INSERT INTO ddb_tables (account_id, region, name, description, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    account_id,
                    region,
                    description["TableName"],
                    orjson.dumps(description),
                    time.time(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def save_description(self, table_id: int, description: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE ddb_tables SET description = ? WHERE id = ?",
            (orjson.dumps(description), table_id),
        )

    def delete_table(self, table_id: int) -> None:
        with self.db.write() as conn:
            self.cache.clear()
            conn.execute("DELETE FROM ddb_items WHERE table_id = ?", (table_id,))
            conn.execute("DELETE FROM ddb_index_entries WHERE table_id = ?", (table_id,))
            conn.execute("DELETE FROM ddb_collections WHERE table_id = ?", (table_id,))
            conn.execute("DELETE FROM ddb_tags WHERE table_id = ?", (table_id,))
            conn.execute("DELETE FROM ddb_ttl WHERE table_id = ?", (table_id,))
            conn.execute("DELETE FROM ddb_tables WHERE id = ?", (table_id,))

    def table_stats(self, table_id: int) -> tuple[int, int]:
        """(item count, total size in bytes) of a table."""
        row = self.db.query_one(
            "SELECT count(*), total(size) FROM ddb_items WHERE table_id = ?", (table_id,)
        )
        assert row is not None
        return int(row[0]), int(row[1])

    # -- tags -----------------------------------------------------------------------------

    def tags(self, table_id: int) -> list[tuple[str, str]]:
        rows = self.db.query(
            "SELECT key, value FROM ddb_tags WHERE table_id = ? ORDER BY key", (table_id,)
        )
        return [(r[0], r[1]) for r in rows]

    def tag(self, table_id: int, tags: list[tuple[str, str]]) -> None:
        with self.db.write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO ddb_tags (table_id, key, value) VALUES (?, ?, ?)",
                [(table_id, k, v) for k, v in tags],
            )

    def untag(self, table_id: int, keys: list[str]) -> None:
        with self.db.write() as conn:
            conn.executemany(
                "DELETE FROM ddb_tags WHERE table_id = ? AND key = ?",
                [(table_id, k) for k in keys],
            )

    # -- items ----------------------------------------------------------------------------

    def get(self, table_id: int, hash_key: bytes, range_key: bytes) -> tuple[bytes, int] | None:
        key = (table_id, hash_key, range_key)
        found = self.cache.get(key)
        if found is not None:
            return found
        db = self.db
        with db.lock:
            row = db.query_one(_GET_ITEM, key)
            if row is None:
                return None
            found = (row[0], row[1])
            if not db.in_transaction:
                self.cache.add(key, found)
        return found

    def put(self, table_id: int, hash_key: bytes, range_key: bytes, item: bytes, size: int) -> None:
        """Write one item in its own transaction (the path of tables without indexes):
        the group commit of this loop step when the edge collects commit waits."""
        with self.db.lock:
            self.cache.discard((table_id, hash_key, range_key))
            self.db.execute_grouped(_PUT_ITEM, (table_id, hash_key, range_key, item, size))

    # -- inside a write transaction (see `changes`) ----------------------------------------

    def put_row(
        self, conn: Any, table_id: int, hash_key: bytes, range_key: bytes, item: bytes, size: int
    ) -> None:
        self.cache.discard((table_id, hash_key, range_key))
        conn.execute(_PUT_ITEM, (table_id, hash_key, range_key, item, size))

    def delete_row(self, conn: Any, table_id: int, hash_key: bytes, range_key: bytes) -> None:
        self.cache.discard((table_id, hash_key, range_key))
        conn.execute(_DELETE_ITEM, (table_id, hash_key, range_key))

    @staticmethod
    def put_entry(conn: Any, table_id: int, index: str, key: tuple[bytes, bytes],
                  item_key: tuple[bytes, bytes], size: int) -> None:  # fmt: skip
        conn.execute(_PUT_ENTRY, (table_id, index, *key, *item_key, size))

    @staticmethod
    def delete_entry(conn: Any, table_id: int, index: str, key: tuple[bytes, bytes],
                     item_key: tuple[bytes, bytes]) -> None:  # fmt: skip
        conn.execute(_DELETE_ENTRY, (table_id, index, *key, *item_key))

    @staticmethod
    def grow_collection(conn: Any, table_id: int, hash_key: bytes, delta: int) -> int:
        """Add `delta` bytes to an item collection's size; its new size."""
        row = conn.execute(
            "INSERT INTO ddb_collections (table_id, hash_key, size) VALUES (?, ?, ?)"
            " ON CONFLICT (table_id, hash_key) DO UPDATE SET size = size + excluded.size"
            " RETURNING size",
            (table_id, hash_key, delta),
        ).fetchone()
        return int(row[0])

    # -- indexes --------------------------------------------------------------------------

    def index_stats(self, table_id: int, index: str) -> tuple[int, int]:
        row = self.db.query_one(
            "SELECT count(*), total(size) FROM ddb_index_entries"
            " WHERE table_id = ? AND index_name = ?",
            (table_id, index),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    def drop_index(self, table_id: int, index: str) -> None:
        self.db.execute(
            "DELETE FROM ddb_index_entries WHERE table_id = ? AND index_name = ?",
            (table_id, index),
        )

    def index_partition(
        self,
        table_id: int,
        index: str,
        hash_key: bytes,
        low: tuple[bytes, bool] | None,
        high: tuple[bytes, bool] | None,
        after: tuple[bytes, bytes, bytes] | None,
        forward: bool,
        limit: int,
    ) -> list[IndexRow]:
        """Like `partition` for an index: entries ordered by (sort key, table key), after
        (or, backwards, before) the position `after` = (sort key, item hash, item range)."""
        clauses = ["e.table_id = ?", "e.index_name = ?", "e.hash_key = ?"]
        args: list[Any] = [table_id, index, hash_key]
        if low is not None:
            clauses.append("e.range_key >= ?" if low[1] else "e.range_key > ?")
            args.append(low[0])
        if high is not None:
            clauses.append("e.range_key <= ?" if high[1] else "e.range_key < ?")
            args.append(high[0])
        if after is not None:
            op = ">" if forward else "<"
            clauses.append(f"(e.range_key, e.item_hash, e.item_range) {op} (?, ?, ?)")
            args.extend(after)
        order = "ASC" if forward else "DESC"
        args.append(limit)
        sql = (
            f"{_INDEX_COLUMNS} WHERE {' AND '.join(clauses)} ORDER BY e.range_key {order},"
            f" e.item_hash {order}, e.item_range {order} LIMIT ?"
        )
        return self.db.query(sql, args)  # type: ignore[return-value]

    def index_walk(
        self,
        table_id: int,
        index: str,
        after: tuple[bytes, bytes, bytes, bytes] | None,
        low_hash: bytes | None,
        high_hash: bytes | None,
        limit: int,
    ) -> list[IndexRow]:
        """Like `walk` for an index, in (index key, table key) order."""
        clauses = ["e.table_id = ?", "e.index_name = ?"]
        args: list[Any] = [table_id, index]
        if after is not None:
            clauses.append("(e.hash_key, e.range_key, e.item_hash, e.item_range) > (?, ?, ?, ?)")
            args.extend(after)
        if low_hash is not None:
            clauses.append("e.hash_key >= ?")
            args.append(low_hash)
        if high_hash is not None:
            clauses.append("e.hash_key < ?")
            args.append(high_hash)
        args.append(limit)
        sql = (
            f"{_INDEX_COLUMNS} WHERE {' AND '.join(clauses)} ORDER BY e.hash_key, e.range_key,"
            " e.item_hash, e.item_range LIMIT ?"
        )
        return self.db.query(sql, args)  # type: ignore[return-value]

    # -- TTL expiry index (see `ttl`) ---------------------------------------------------------

    @staticmethod
    def set_expiry(conn: Any, table_id: int, hash_key: bytes, range_key: bytes,
                   expires_at: float | None) -> None:  # fmt: skip
        """Record when an item expires (None: it does not)."""
        if expires_at is None:
            conn.execute(
                "DELETE FROM ddb_ttl WHERE table_id = ? AND hash_key = ? AND range_key = ?",
                (table_id, hash_key, range_key),
            )
        else:
            conn.execute(
                "INSERT OR REPLACE INTO ddb_ttl VALUES (?, ?, ?, ?)",
                (table_id, hash_key, range_key, expires_at),
            )

    def clear_expiries(self, table_id: int) -> None:
        self.db.execute("DELETE FROM ddb_ttl WHERE table_id = ?", (table_id,))

    def expired(self, table_id: int, since: float, until: float, limit: int) -> list[Any]:
        """(hash_key, range_key) of up to `limit` items expiring in [since, until)."""
        return self.db.query(
            "SELECT hash_key, range_key FROM ddb_ttl WHERE table_id = ? AND expires_at >= ?"
            " AND expires_at < ? ORDER BY expires_at LIMIT ?",
            (table_id, since, until, limit),
        )

    # -- TransactWriteItems tokens ----------------------------------------------------------

    def find_token(self, account: str, region: str, token: str, since: float) -> Any:
        """(digest, response bytes) of a token used after `since`, else None."""
        return self.db.query_one(
            "SELECT digest, response FROM ddb_request_tokens WHERE account_id = ? AND region = ?"
            " AND token = ? AND created_at >= ?",
            (account, region, token, since),
        )

    @staticmethod
    def save_token(conn: Any, account: str, region: str, token: str, digest: bytes,
                   response: bytes, now: float) -> None:  # fmt: skip
        conn.execute("DELETE FROM ddb_request_tokens WHERE created_at < ?", (now - 600,))
        conn.execute(
            "INSERT OR REPLACE INTO ddb_request_tokens VALUES (?, ?, ?, ?, ?, ?)",
            (account, region, token, digest, response, now),
        )

    def partition(
        self,
        table_id: int,
        hash_key: bytes,
        low: tuple[bytes, bool] | None,
        high: tuple[bytes, bool] | None,
        forward: bool,
        limit: int,
    ) -> list[Row]:
        """Up to `limit` items of one partition whose sort key lies between `low` and
        `high` ((bytes, inclusive) or None for unbounded), in sort-key order."""
        sql = _partition_sql(low, high, forward)
        args: list[Any] = [table_id, hash_key]
        if low is not None:
            args.append(low[0])
        if high is not None:
            args.append(high[0])
        args.append(limit)
        return self.db.query(sql, args)  # type: ignore[return-value]

    def walk(
        self,
        table_id: int,
        after: tuple[bytes, bytes] | None,
        low_hash: bytes | None,
        high_hash: bytes | None,
        limit: int,
    ) -> list[Row]:
        """Up to `limit` items in store order after `after`, with `hash_key` in
        [low_hash, high_hash) (a parallel-scan segment)."""
        clauses = ["table_id = ?"]
        args: list[Any] = [table_id]
        if after is not None:
            clauses.append("(hash_key, range_key) > (?, ?)")
            args.extend(after)
        if low_hash is not None:
            clauses.append("hash_key >= ?")
            args.append(low_hash)
        if high_hash is not None:
            clauses.append("hash_key < ?")
            args.append(high_hash)
        args.append(limit)
        sql = (
            "SELECT hash_key, range_key, item, size FROM ddb_items WHERE "
            + " AND ".join(clauses)
            + " ORDER BY hash_key, range_key LIMIT ?"
        )
        return self.db.query(sql, args)  # type: ignore[return-value]

    def iter_table(self, table_id: int) -> Iterator[bytes]:
        """Every item of a table (for maintenance tasks: index backfill, TTL sweeps)."""
        for data, _, _ in self.iter_rows(table_id):
            yield data

    def iter_rows(self, table_id: int) -> Iterator[tuple[bytes, bytes, bytes]]:
        """(item bytes, hash_key, range_key) of every item of a table, in store order."""
        after: tuple[bytes, bytes] | None = None
        while True:
            rows = self.walk(table_id, after, None, None, 500)
            for row in rows:
                yield row[2], row[0], row[1]
            if len(rows) < 500:
                return
            after = (rows[-1][0], rows[-1][1])


_PARTITION_SQL: dict[tuple[int, int, bool], str] = {}


def _partition_sql(
    low: tuple[bytes, bool] | None, high: tuple[bytes, bool] | None, forward: bool
) -> str:
    shape = (
        0 if low is None else 1 + low[1],
        0 if high is None else 1 + high[1],
        forward,
    )
    sql = _PARTITION_SQL.get(shape)
    if sql is None:
        clauses = ["table_id = ?", "hash_key = ?"]
        if low is not None:
            clauses.append("range_key >= ?" if low[1] else "range_key > ?")
        if high is not None:
            clauses.append("range_key <= ?" if high[1] else "range_key < ?")
        sql = (
            "SELECT hash_key, range_key, item, size FROM ddb_items WHERE "
            + " AND ".join(clauses)
            + f" ORDER BY range_key {'ASC' if forward else 'DESC'} LIMIT ?"
        )
        _PARTITION_SQL[shape] = sql
    return sql
