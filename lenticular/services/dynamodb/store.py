"""Where DynamoDB keeps tables and items: SQLite, one database for all accounts/regions.

Items live in one clustered table ordered by (table, partition key bytes, sort key bytes)
(see `keys` and the migrations), so GetItem is a point lookup, Query a range seek and
Scan a walk in token order. Provider methods run on the event loop with this one
connection, which makes every operation serializable; each write is one transaction
through `Database.write()`, committed before the client hears success.

Items are stored as orjson bytes of the wire-format item; binary values (bytes once the
codec decoded them) are kept as base64 text and decoded again on load.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from lenticular.state.sqlite import Database

MIGRATIONS = Path(__file__).parent / "migrations"

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


class DynamoDBStore:
    def __init__(self, db: Database) -> None:
        self.db = db

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
            conn.execute("DELETE FROM ddb_items WHERE table_id = ?", (table_id,))
            conn.execute("DELETE FROM ddb_tags WHERE table_id = ?", (table_id,))
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
        row = self.db.query_one(
            "SELECT item, size FROM ddb_items WHERE table_id = ? AND hash_key = ? AND range_key = ?",
            (table_id, hash_key, range_key),
        )
        return (row[0], row[1]) if row is not None else None

    def put(self, table_id: int, hash_key: bytes, range_key: bytes, item: bytes, size: int) -> None:
        with self.db.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO ddb_items (table_id, hash_key, range_key, item, size)"
                " VALUES (?, ?, ?, ?, ?)",
                (table_id, hash_key, range_key, item, size),
            )

    def delete(self, table_id: int, hash_key: bytes, range_key: bytes) -> None:
        with self.db.write() as conn:
            conn.execute(
                "DELETE FROM ddb_items WHERE table_id = ? AND hash_key = ? AND range_key = ?",
                (table_id, hash_key, range_key),
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
        after: tuple[bytes, bytes] | None = None
        while True:
            rows = self.walk(table_id, after, None, None, 500)
            for row in rows:
                yield row[2]
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
