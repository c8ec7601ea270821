"""A small, careful SQLite helper every service store uses.

- WAL journal: readers never block the writer. `synchronous=NORMAL` in WAL mode keeps
  every committed transaction across a killed process (only an OS crash or power loss
  can drop the last commits), which is the durability lenticular promises.
- One writer per database file: writes take a lock and run in `BEGIN IMMEDIATE`, so a
  write transaction never fails half-way on a lock upgrade.
- Versioned plain-SQL migrations: `NNN_name.sql` files applied once, in order, each in
  its own transaction, recorded in `schema_migrations`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Database:
    def __init__(self, path: Path, migrations_dir: Path | None = None) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: sqlite3 does not open transactions behind our back.
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "busy_timeout=5000",
        ):
            self._conn.execute(f"PRAGMA {pragma}")
        if migrations_dir is not None:
            self.migrate(migrations_dir)

    def migrate(self, migrations_dir: Path) -> list[str]:
        """Apply the `NNN_*.sql` files not applied yet; returns the names applied."""
        applied: list[str] = []
        with self.write() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')))"
            )
            done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        for script in sorted(migrations_dir.glob("[0-9][0-9][0-9]_*.sql")):
            if script.name in done:
                continue
            with self.write() as conn:
                for statement in _statements(script.read_text()):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations (name) VALUES (?)", (script.name,))
            applied.append(script.name)
        return applied

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it commits, or none of it."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one write statement in its own transaction; returns the rows changed."""
        with self.write() as conn:
            return conn.execute(sql, args).rowcount

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def query_one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._conn.execute(sql, args).fetchone()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _statements(script: str) -> list[str]:
    """Split a migration script into complete statements (sqlite3 runs one at a time)."""
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out
