"""WAL checkpoints: the background checkpointer copies nearly all of a long WAL and
hands the rest to the writer, whose checkpoint lets the next write start the WAL over."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from lenticular.state import sqlite as state
from lenticular.state.sqlite import Database


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setattr(state, "CHECKPOINT_EVERY", 10**9)  # the test runs checkpoints itself
    monkeypatch.setattr(state, "RESTART_PAGES", 32)
    database = Database(tmp_path / "c.sqlite")
    database.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)")
    yield database
    database.close()


def _wal_pages(path: Path) -> int:
    """Pages in the WAL now (a PASSIVE checkpoint reports them; it changes nothing else)."""
    other = sqlite3.connect(path)
    try:
        return int(other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])
    finally:
        other.close()


def _write(db: Database, first: int, count: int) -> None:
    for k in range(first, first + count):
        db.execute("INSERT INTO t (k, v) VALUES (?, ?)", (k, b"x" * 3000))


def test_a_long_wal_is_handed_over_and_starts_over(db: Database) -> None:
    _write(db, 0, 100)
    checkpointer = db._checkpointer
    conn = sqlite3.connect(db.path, isolation_level=None)
    try:
        checkpointer._checkpoint(conn)
    finally:
        conn.close()
    assert checkpointer.caught_up  # long WAL, all copied: the writer finishes it
    _write(db, 100, 1)  # the writer's checkpoint runs after this commit ...
    assert not checkpointer.caught_up
    _write(db, 101, 1)  # ... and this write starts the WAL over
    assert _wal_pages(db.path) <= 3
    assert db.query_one("SELECT count(*) FROM t")[0] == 102


def test_a_short_wal_is_checkpointed_without_handover(db: Database) -> None:
    _write(db, 0, 3)
    conn = sqlite3.connect(db.path, isolation_level=None)
    try:
        db._checkpointer._checkpoint(conn)
    finally:
        conn.close()
    assert not db._checkpointer.caught_up


def test_the_background_thread_keeps_the_wal_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state, "CHECKPOINT_EVERY", 20)
    monkeypatch.setattr(state, "RESTART_PAGES", 64)
    db = Database(tmp_path / "b.sqlite")
    try:
        db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)")
        for chunk in range(40):  # about 4000 pages written; without restarts the WAL holds them
            _write(db, chunk * 50, 50)
            time.sleep(0.02)  # let the checkpoint thread run (the test shares the CPU)
        assert _wal_pages(db.path) < 1500
        assert db.query_one("SELECT count(*) FROM t")[0] == 2000
    finally:
        db.close()
    assert db._checkpointer._fd is None  # closed after SQLite's connection
