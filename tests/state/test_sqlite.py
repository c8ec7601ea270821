"""The SQLite helper (engine tier): WAL, migrations once and in order, all-or-nothing writes."""

from __future__ import annotations

import sqlite3

import pytest

from lenticular.state.datadir import DataDir, DataDirBusy, write_atomic
from lenticular.state.sqlite import Database


def migrations(tmp_path, *scripts: str):
    folder = tmp_path / "migrations"
    folder.mkdir(exist_ok=True)
    for i, sql in enumerate(scripts, start=1):
        (folder / f"{i:03d}_step.sql").write_text(sql)
    return folder


def test_wal_and_migrations_apply_once_in_order(tmp_path):
    folder = migrations(
        tmp_path,
        "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);",
        "ALTER TABLE t ADD COLUMN n INTEGER NOT NULL DEFAULT 0;\nCREATE INDEX t_n ON t (n);",
    )
    db = Database(tmp_path / "a.sqlite", folder)
    assert db.query_one("PRAGMA journal_mode")[0] == "wal"
    db.execute("INSERT INTO t (k, v, n) VALUES ('a', 'b', 1)")
    db.close()

    (folder / "003_more.sql").write_text("CREATE TABLE u (x);")
    db = Database(tmp_path / "a.sqlite", folder)  # reopen: only the new script runs
    names = [r[0] for r in db.query("SELECT name FROM schema_migrations ORDER BY name")]
    assert names == ["001_step.sql", "002_step.sql", "003_more.sql"]
    assert db.query_one("SELECT v, n FROM t WHERE k = 'a'")[:] == ("b", 1)
    db.close()


def test_failed_write_leaves_nothing_behind(tmp_path):
    db = Database(
        tmp_path / "b.sqlite", migrations(tmp_path, "CREATE TABLE t (k TEXT PRIMARY KEY);")
    )
    with pytest.raises(sqlite3.IntegrityError):
        with db.write() as conn:
            conn.execute("INSERT INTO t VALUES ('x')")
            conn.execute("INSERT INTO t VALUES ('x')")  # duplicate key: the whole write fails
    assert db.query("SELECT * FROM t") == []
    db.close()


def test_failed_migration_is_not_recorded(tmp_path):
    folder = migrations(tmp_path, "CREATE TABLE t (k);", "CREATE TABLE t (k);")
    with pytest.raises(sqlite3.OperationalError):
        Database(tmp_path / "c.sqlite", folder)
    db = Database(tmp_path / "c.sqlite")
    assert [r[0] for r in db.query("SELECT name FROM schema_migrations")] == ["001_step.sql"]
    db.close()


def test_one_server_per_data_dir(tmp_path):
    first = DataDir(tmp_path / "d")
    first.lock()
    with pytest.raises(DataDirBusy):
        DataDir(tmp_path / "d").lock()
    first.close()
    DataDir(tmp_path / "d").lock()  # released with the first


def test_write_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "blob"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["blob"]  # no temp files left
