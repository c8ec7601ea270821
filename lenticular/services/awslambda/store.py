"""Where Lambda keeps its state (SQLite, rows keyed by account and region).

Configurations are stored as the JSON documents the API returns; each write is one
transaction. The engine decides what the documents contain; this module only keeps them.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from lenticular.state.sqlite import Database

MIGRATIONS = Path(__file__).parent / "migrations"

Json = dict[str, Any]


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass(slots=True)
class FunctionRecord:
    account_id: str
    region: str
    name: str
    config: Json  # $LATEST's FunctionConfiguration
    code: Json  # {"kind": "zip"|"local", "path": ..., "sha256": ..., "size": ...}
    tags: dict[str, str]
    reserved_concurrency: int | None
    last_version: int


@dataclass(slots=True)
class QueuedEvent:
    id: int
    account_id: str
    region: str
    name: str
    qualifier: str | None
    request_id: str
    payload: bytes
    enqueued_at: float
    attempts: int


_FUNCTION_COLUMNS = (
    "account_id, region, name, config, code, tags, reserved_concurrency, last_version"
)


def _function(row: sqlite3.Row) -> FunctionRecord:
    return FunctionRecord(
        row[0], row[1], row[2], orjson.loads(row[3]), orjson.loads(row[4]),
        orjson.loads(row[5]), row[6], row[7],
    )  # fmt: skip


class LambdaStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- functions -------------------------------------------------------------------------

    def create_function(self, record: FunctionRecord) -> bool:
        """Add a function; False if one of that name exists in the account and region."""
        try:
            self.db.execute(
                f"INSERT INTO functions ({_FUNCTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.account_id, record.region, record.name, _dumps(record.config),
                    _dumps(record.code), _dumps(record.tags), record.reserved_concurrency,
                    record.last_version,
                ),
            )  # fmt: skip
        except sqlite3.IntegrityError:
            return False
        return True

    def get_function(self, account_id: str, region: str, name: str) -> FunctionRecord | None:
        row = self.db.query_one(
            f"SELECT {_FUNCTION_COLUMNS} FROM functions"
            " WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        )
        return _function(row) if row is not None else None

    def update_function(self, record: FunctionRecord) -> None:
        self.db.execute(
            "UPDATE functions SET config = ?, code = ?, tags = ?, reserved_concurrency = ?,"
            " last_version = ? WHERE account_id = ? AND region = ? AND name = ?",
            (
                _dumps(record.config), _dumps(record.code), _dumps(record.tags),
                record.reserved_concurrency, record.last_version,
                record.account_id, record.region, record.name,
            ),
        )  # fmt: skip

    def delete_function(self, account_id: str, region: str, name: str) -> None:
        with self.db.write() as conn:
            key = (account_id, region, name)
            where = "account_id = ? AND region = ? AND name = ?"
            for table in ("function_versions", "aliases", "policies", "event_invoke_configs"):
                conn.execute(f"DELETE FROM {table} WHERE {where}", key)
            conn.execute(f"DELETE FROM async_events WHERE {where}", key)
            conn.execute(f"DELETE FROM functions WHERE {where}", key)

    def list_functions(
        self, account_id: str, region: str, after: str, limit: int
    ) -> list[FunctionRecord]:
        rows = self.db.query(
            f"SELECT {_FUNCTION_COLUMNS} FROM functions WHERE account_id = ? AND region = ?"
            " AND name > ? ORDER BY name LIMIT ?",
            (account_id, region, after, limit),
        )
        return [_function(row) for row in rows]

    def reserved_total(self, account_id: str, region: str, excluding: str = "") -> int:
        row = self.db.query_one(
            "SELECT COALESCE(SUM(reserved_concurrency), 0) FROM functions"
            " WHERE account_id = ? AND region = ? AND name != ?",
            (account_id, region, excluding),
        )
        return int(row[0]) if row is not None else 0

    def usage(self, account_id: str, region: str) -> tuple[int, int]:
        """(function count, total code size) of an account in a region."""
        rows = self.db.query(
            "SELECT code FROM functions WHERE account_id = ? AND region = ?"
            " UNION ALL SELECT v.code FROM function_versions v"
            " WHERE v.account_id = ? AND v.region = ?",
            (account_id, region, account_id, region),
        )
        count = self.db.query_one(
            "SELECT COUNT(*) FROM functions WHERE account_id = ? AND region = ?",
            (account_id, region),
        )
        size = sum(int(orjson.loads(row[0]).get("size", 0)) for row in rows)
        return (int(count[0]) if count else 0), size

    # -- versions --------------------------------------------------------------------------

    def add_version(self, record: FunctionRecord, version: int, config: Json) -> None:
        """Record a published version and bump the function's counter, in one transaction."""
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO function_versions (account_id, region, name, version, config, code)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.account_id, record.region, record.name, version,
                    _dumps(config), _dumps(record.code),
                ),
            )  # fmt: skip
            conn.execute(
                "UPDATE functions SET last_version = ? WHERE account_id = ? AND region = ?"
                " AND name = ?",
                (version, record.account_id, record.region, record.name),
            )
        record.last_version = version

    def get_version(
        self, account_id: str, region: str, name: str, version: int
    ) -> tuple[Json, Json] | None:
        """(configuration, code) of a published version."""
        row = self.db.query_one(
            "SELECT config, code FROM function_versions WHERE account_id = ? AND region = ?"
            " AND name = ? AND version = ?",
            (account_id, region, name, version),
        )
        return (orjson.loads(row[0]), orjson.loads(row[1])) if row is not None else None

    def list_versions(self, account_id: str, region: str, name: str) -> list[Json]:
        rows = self.db.query(
            "SELECT config FROM function_versions WHERE account_id = ? AND region = ?"
            " AND name = ? ORDER BY version",
            (account_id, region, name),
        )
        return [orjson.loads(row[0]) for row in rows]

    def delete_version(self, account_id: str, region: str, name: str, version: int) -> None:
        with self.db.write() as conn:
            key = (account_id, region, name, str(version))
            conn.execute(
                "DELETE FROM function_versions WHERE account_id = ? AND region = ? AND name = ?"
                " AND version = ?",
                (account_id, region, name, version),
            )
            for table in ("policies", "event_invoke_configs"):
                conn.execute(
                    f"DELETE FROM {table} WHERE account_id = ? AND region = ? AND name = ?"
                    " AND qualifier = ?",
                    key,
                )

    # -- documents keyed by (function, name): aliases, policies, event invoke configs ----

    def put_doc(self, table: str, key: tuple[str, str, str, str], doc: Json, **extra: str) -> None:
        column = _DOC_TABLES[table]
        names = ", ".join(["account_id", "region", "name", column[0], column[1], *extra])
        marks = ", ".join("?" * (5 + len(extra)))
        self.db.execute(
            f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})",
            (*key, _dumps(doc), *extra.values()),
        )

    def get_doc(self, table: str, key: tuple[str, str, str, str]) -> Json | None:
        column = _DOC_TABLES[table]
        row = self.db.query_one(
            f"SELECT {column[1]} FROM {table} WHERE account_id = ? AND region = ? AND name = ?"
            f" AND {column[0]} = ?",
            key,
        )
        return orjson.loads(row[0]) if row is not None else None

    def list_docs(self, table: str, account_id: str, region: str, name: str) -> list[Json]:
        column = _DOC_TABLES[table]
        rows = self.db.query(
            f"SELECT {column[1]} FROM {table} WHERE account_id = ? AND region = ? AND name = ?"
            f" ORDER BY {column[0]}",
            (account_id, region, name),
        )
        return [orjson.loads(row[0]) for row in rows]

    def delete_doc(self, table: str, key: tuple[str, str, str, str]) -> bool:
        column = _DOC_TABLES[table]
        return bool(
            self.db.execute(
                f"DELETE FROM {table} WHERE account_id = ? AND region = ? AND name = ?"
                f" AND {column[0]} = ?",
                key,
            )
        )

    # -- layers ----------------------------------------------------------------------------

    def next_layer_version(self, account_id: str, region: str, name: str) -> int:
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO layer_counters (account_id, region, name, last_version)"
                " VALUES (?, ?, ?, 1) ON CONFLICT (account_id, region, name)"
                " DO UPDATE SET last_version = last_version + 1",
                (account_id, region, name),
            )
            row = conn.execute(
                "SELECT last_version FROM layer_counters WHERE account_id = ? AND region = ?"
                " AND name = ?",
                (account_id, region, name),
            ).fetchone()
        return int(row[0])

    def put_layer_version(
        self, account_id: str, region: str, name: str, version: int, config: Json, path: str
    ) -> None:
        self.db.execute(
            "INSERT INTO layer_versions (account_id, region, name, version, config, path)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (account_id, region, name, version, _dumps(config), path),
        )

    def get_layer_version(
        self, account_id: str, region: str, name: str, version: int
    ) -> tuple[Json, str] | None:
        row = self.db.query_one(
            "SELECT config, path FROM layer_versions WHERE account_id = ? AND region = ?"
            " AND name = ? AND version = ?",
            (account_id, region, name, version),
        )
        return (orjson.loads(row[0]), row[1]) if row is not None else None

    def list_layer_versions(
        self, account_id: str, region: str, name: str | None = None
    ) -> list[Json]:
        """Layer versions, by name then newest first."""
        sql = "SELECT config FROM layer_versions WHERE account_id = ? AND region = ?"
        args: list[Any] = [account_id, region]
        if name is not None:
            sql += " AND name = ?"
            args.append(name)
        rows = self.db.query(sql + " ORDER BY name, version DESC", args)
        return [orjson.loads(row[0]) for row in rows]

    def delete_layer_version(self, account_id: str, region: str, name: str, version: int) -> None:
        self.db.execute(
            "DELETE FROM layer_versions WHERE account_id = ? AND region = ? AND name = ?"
            " AND version = ?",
            (account_id, region, name, version),
        )

    # -- the asynchronous invocation queue -------------------------------------------------

    def enqueue(
        self,
        account_id: str,
        region: str,
        name: str,
        qualifier: str | None,
        request_id: str,
        payload: bytes,
    ) -> None:
        now = time.time()
        self.db.execute(
            "INSERT INTO async_events (account_id, region, name, qualifier, request_id,"
            " payload, enqueued_at, attempts, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
            (account_id, region, name, qualifier, request_id, payload, now, now),
        )

    def due_events(self, now: float, exclude: set[int], limit: int = 64) -> list[QueuedEvent]:
        rows = self.db.query(
            "SELECT id, account_id, region, name, qualifier, request_id, payload, enqueued_at,"
            " attempts FROM async_events WHERE next_attempt <= ? ORDER BY next_attempt, id"
            " LIMIT ?",
            (now, limit + len(exclude)),
        )
        return [QueuedEvent(*row) for row in rows if row[0] not in exclude][:limit]

    def next_due(self) -> float | None:
        row = self.db.query_one("SELECT MIN(next_attempt) FROM async_events")
        return row[0] if row is not None else None

    def reschedule(self, event_id: int, attempts: int, next_attempt: float) -> None:
        self.db.execute(
            "UPDATE async_events SET attempts = ?, next_attempt = ? WHERE id = ?",
            (attempts, next_attempt, event_id),
        )

    def reclaim_leases(self, now: float, beyond: float) -> None:
        """Make events leased by a server that stopped (next attempt far ahead) due now."""
        self.db.execute(
            "UPDATE async_events SET next_attempt = ? WHERE next_attempt > ?", (now, now + beyond)
        )

    def finish(self, event_id: int) -> None:
        self.db.execute("DELETE FROM async_events WHERE id = ?", (event_id,))


# table -> (its key column, its document column)
_DOC_TABLES = {
    "aliases": ("alias", "config"),
    "policies": ("qualifier", "policy"),
    "event_invoke_configs": ("qualifier", "config"),
}


@dataclass(slots=True)
class MappingRecord:
    """One event source mapping as stored."""

    uuid: str
    account_id: str
    region: str
    function_name: str
    source_arn: str
    enabled: bool
    config: Json  # EventSourceMappingConfiguration
    position: int  # the stream position of the next record to deliver


_MAPPING_COLUMNS = "uuid, account_id, region, function_name, source_arn, enabled, config, position"


def _mapping(row: sqlite3.Row) -> MappingRecord:
    return MappingRecord(
        row[0], row[1], row[2], row[3], row[4], bool(row[5]), orjson.loads(row[6]), row[7]
    )


class MappingStore:
    """Event source mappings and their checkpoints (same database as the functions)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, record: MappingRecord) -> None:
        """Add or replace a mapping (its checkpoint included)."""
        self.db.execute(
            f"INSERT INTO event_source_mappings ({_MAPPING_COLUMNS}, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET"
            " function_name = excluded.function_name, enabled = excluded.enabled,"
            " config = excluded.config, position = excluded.position",
            (
                record.uuid, record.account_id, record.region, record.function_name,
                record.source_arn, int(record.enabled), _dumps(record.config),
                record.position, time.time(),
            ),
        )  # fmt: skip

    def get(self, uuid: str) -> MappingRecord | None:
        row = self.db.query_one(
            f"SELECT {_MAPPING_COLUMNS} FROM event_source_mappings WHERE uuid = ?", (uuid,)
        )
        return _mapping(row) if row is not None else None

    def listed(
        self, account_id: str | None = None, region: str | None = None
    ) -> list[MappingRecord]:
        """Mappings of an account and region (of every account: None), oldest first."""
        sql = f"SELECT {_MAPPING_COLUMNS} FROM event_source_mappings"
        args: list[Any] = []
        if account_id is not None:
            sql += " WHERE account_id = ? AND region = ?"
            args += [account_id, region]
        return [_mapping(row) for row in self.db.query(sql + " ORDER BY created_at, uuid", args)]

    def checkpoint(self, uuid: str, position: int) -> None:
        self.db.execute(
            "UPDATE event_source_mappings SET position = ? WHERE uuid = ?", (position, uuid)
        )

    def update_config(self, uuid: str, config: Json) -> None:
        self.db.execute(
            "UPDATE event_source_mappings SET config = ? WHERE uuid = ?", (_dumps(config), uuid)
        )

    def delete(self, uuid: str) -> bool:
        return bool(self.db.execute("DELETE FROM event_source_mappings WHERE uuid = ?", (uuid,)))
