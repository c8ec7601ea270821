"""Database.execute_grouped: writes of one event-loop step share a commit; nothing reads
an uncommitted write; a failing statement undoes only itself."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from lenticular.state.sqlite import Database, collect_commit_waits, stop_collecting

_INSERT = "INSERT INTO t (k, v) VALUES (?, ?)"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "g.sqlite")
    database.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
    yield database
    database.close()


def _seen_by_another_connection(db: Database) -> set[str]:
    other = sqlite3.connect(db.path)
    try:
        return {row[0] for row in other.execute("SELECT k FROM t")}
    finally:
        other.close()


async def _grouped_put(db: Database, key: str, value: str | None = "v") -> None:
    waits, token = collect_commit_waits()
    try:
        db.execute_grouped(_INSERT, (key, value))
    finally:
        stop_collecting(token)
    for commit in waits:
        await commit


def test_writes_of_one_step_share_one_commit(db: Database) -> None:
    async def main() -> None:
        writes_before = db._writes
        tasks = [asyncio.ensure_future(_grouped_put(db, f"k{i}")) for i in range(5)]
        await asyncio.sleep(0)  # every task ran its write; the commit comes next step
        assert _seen_by_another_connection(db) == set()  # not committed, nobody answered
        assert not any(task.done() for task in tasks)
        await asyncio.gather(*tasks)
        assert _seen_by_another_connection(db) == {f"k{i}" for i in range(5)}
        assert db._writes == writes_before + 1

    asyncio.run(main())


def test_a_read_commits_the_open_group_first(db: Database) -> None:
    async def main() -> None:
        task = asyncio.ensure_future(_grouped_put(db, "a"))
        await asyncio.sleep(0)
        assert [row[0] for row in db.query("SELECT k FROM t")] == ["a"]
        assert _seen_by_another_connection(db) == {"a"}  # committed before it was read
        await task

    asyncio.run(main())


def test_a_failing_statement_undoes_only_itself(db: Database) -> None:
    async def main() -> None:
        good = asyncio.ensure_future(_grouped_put(db, "good"))
        bad = asyncio.ensure_future(_grouped_put(db, "bad", None))  # NOT NULL fails
        also = asyncio.ensure_future(_grouped_put(db, "also"))
        await asyncio.gather(good, also)
        with pytest.raises(sqlite3.IntegrityError):
            await bad
        assert _seen_by_another_connection(db) == {"good", "also"}

    asyncio.run(main())


def test_without_a_collector_each_write_commits_alone(db: Database) -> None:
    async def main() -> None:
        db.execute_grouped(_INSERT, ("now", "v"))
        assert _seen_by_another_connection(db) == {"now"}
        waits, token = collect_commit_waits()
        try:  # a worker thread inherits the collector but has no loop: commits alone
            await asyncio.to_thread(db.execute_grouped, _INSERT, ("thread", "v"))
        finally:
            stop_collecting(token)
        assert waits == []
        assert _seen_by_another_connection(db) == {"now", "thread"}

    asyncio.run(main())


def test_close_commits_an_open_group(tmp_path: Path) -> None:
    database = Database(tmp_path / "c.sqlite")
    database.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)")

    async def main() -> None:
        waits, token = collect_commit_waits()
        database.execute_grouped(_INSERT, ("x", "v"))
        stop_collecting(token)
        database.close()
        await waits[0]

    asyncio.run(main())
    assert _seen_by_another_connection(database) == {"x"}
