"""A small, careful SQLite helper every service store uses.

- WAL journal: readers never block the writer. `synchronous=NORMAL` in WAL mode keeps
  every committed transaction across a killed process (only an OS crash or power loss
  can drop the last commits), which is the durability lenticular promises.
- One writer per database file: writes take a lock and run in `BEGIN IMMEDIATE` (or as
  one autocommit statement, which takes the write lock as it starts), so a write
  transaction never fails half-way on a lock upgrade.
- Checkpoints (copying the WAL back into the database file, with two fsyncs) run mostly
  on a background thread with its own connection, not inside a writer's COMMIT: SQLite's
  automatic checkpoint stalled every few hundredth write for 5-10 ms, on the event loop
  (see `Checkpointer`). Only a checkpoint that copies the whole WAL, with no write
  between it and the next write, lets that write start the WAL over; under steady writes
  only the writer itself can do that last step. The background thread does nearly all of
  it first (the copying and the fsync of the database file), then hands the writer a
  remainder of a few hundred pages: its checkpoint then takes about 1-2 ms, where
  SQLite's own, at 16,384 pages, fsynced all the background ones had copied and stalled
  the loop 20-30 ms about every second (PutItem p99 at 32 connections 17.6 -> 6.4 ms).
  A commit is kept once it is in the WAL, so where checkpoints run changes no guarantee.
  https://www.sqlite.org/wal.html#automatic_checkpoint
- Group commit (`execute_grouped`): while a caller collects commit waits
  (`collect_commit_waits`, the edge does it around every AWS operation), a lone write
  statement joins one transaction that stays open until the end of the current event-loop
  step and is then committed once; the caller answers only after that commit (a
  `CommitWait`: awaitable, or callbacks run right after the commit, with no extra step).
  Requests that arrive together (a loop step serves every connection that is readable)
  so share one commit, and one write of the pages they all touch. Any other use of the
  connection (a read, a write transaction, a write from another thread) commits the open
  group first, so nothing ever reads or builds on a write that is not committed, and a
  statement that fails only undoes itself. Without a collector (a background thread,
  the API Gateway data plane calling DynamoDB) the statement commits on its own.
- Versioned plain-SQL migrations: `NNN_name.sql` files applied once, in order, each in
  its own transaction, recorded in `schema_migrations`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

log = logging.getLogger("lenticular.state")
# Write transactions between background checkpoints. A checkpoint copies each page once
# however often it was written since the last, so fewer, longer ones copy less: at 300
# rather than 100 the checkpoint thread's reads and writes per random-key PutItem halve,
# its fsyncs fall to a third, and a PutItem costs about 2.5% less CPU (benchmarks.ab).
CHECKPOINT_EVERY = 300
# Once the WAL holds this many pages (32 MB at 4 KB), a background checkpoint that has
# copied all but a few of them hands the rest to the writer (`Checkpointer.caught_up`),
# whose checkpoint then lets the next write start the WAL over.
RESTART_PAGES = 8192
HANDOVER_PAGES = 256  # a background pass that copied fewer than this leaves little over
MAX_PASSES = 3  # background passes per checkpoint, each copying what the last one left
# Past this many WAL pages (64 MB at 4 KB) the writer checkpoints itself anyway, as
# SQLite does by default at 1,000: a backstop for a background thread that falls behind.
FOREGROUND_CHECKPOINT_PAGES = 16384
_fdatasync = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync
# sqlite3 binds int, float, str and bytearray parameters as they are but sends bytes
# through its adapter lookup (a tuple, a registry miss, then two attribute lookups that
# fail: ~3,000 instructions per parameter, three per DynamoDB item write). An identity
# adapter makes that a registry hit; `bytes(b)` of a bytes object is the object itself.
sqlite3.register_adapter(bytes, bytes)
_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=5000")
# The commits the current request must await before it answers (None: not collecting).
_COMMIT_WAITS: ContextVar[list[CommitWait] | None] = ContextVar(
    "lenticular_commit_waits", default=None
)


def collect_commit_waits() -> tuple[list[CommitWait], Any]:
    """Start collecting, for the current task, the group commits its writes join: the
    list (await each, or use its callbacks, before answering) and a token for
    `stop_collecting`."""
    waits: list[CommitWait] = []
    return waits, _COMMIT_WAITS.set(waits)


def stop_collecting(token: Any) -> None:
    _COMMIT_WAITS.reset(token)


class CommitWait:
    """One group transaction, as its writers wait for it: awaitable, or
    `add_done_callback(fn)` to have `fn(self)` called on the loop's thread once it is
    committed (or failed); `result()` then raises its failure, if any. Callbacks run
    straight after the commit at the end of the loop step that opened the group (no
    future, no extra loop step); when something else forced the commit first (a read, a
    write transaction, another thread), in the loop's next step."""

    __slots__ = ("loop", "thread", "error", "settled", "_callbacks", "_future")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.thread = threading.get_ident()
        self.error: BaseException | None = None
        self.settled = False  # committed or failed, and its callbacks called
        self._callbacks: list[Any] = []
        self._future: asyncio.Future[None] | None = None

    def done(self) -> bool:
        return self.settled

    def result(self) -> None:
        if self.error is not None:
            raise self.error

    def add_done_callback(self, fn: Any) -> None:
        if self.settled:
            fn(self)
        else:
            self._callbacks.append(fn)

    def __await__(self) -> Any:
        if not self.settled:
            if self._future is None:
                self._future = self.loop.create_future()
            yield from self._future.__await__()
        self.result()

    def settle(self, error: BaseException | None) -> None:
        """Record the outcome and call the waiters in the loop's next step (on its thread;
        nothing to do once that loop closed, as nobody can be waiting then)."""
        self.error = error
        if self.loop.is_closed():
            return
        if threading.get_ident() == self.thread:
            self.loop.call_soon(self.notify)
        else:
            self.loop.call_soon_threadsafe(self.notify)

    def notify(self) -> None:
        """Call the waiters (once; on the loop's thread, holding no lock)."""
        if self.settled:
            return
        self.settled = True
        callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            try:
                fn(self)
            except Exception:
                log.exception("a group commit's waiter failed")
        future = self._future
        if future is not None and not future.done():
            future.set_result(None)


class Database:
    def __init__(self, path: Path, migrations_dir: Path | None = None) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: sqlite3 does not open transactions behind our back.
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        # Grouped writes reuse one cursor (`execute` on the connection makes a new one
        # each time); it only ever runs write statements, under the lock.
        self._writes_cursor = self._conn.cursor()
        self._lock = threading.RLock()
        # The lock every use of the connection holds (re-entrant): hold it to make a read
        # and what the caller does with it one step no write can come between. (A plain
        # attribute: a property would be a Python call per item write.)
        self.lock = self._lock
        for pragma in _PRAGMAS:
            self._conn.execute(f"PRAGMA {pragma}")
        self._conn.execute(f"PRAGMA wal_autocheckpoint={FOREGROUND_CHECKPOINT_PAGES}")
        self._checkpointer = Checkpointer(path)
        self._writes = 0
        self._group: CommitWait | None = None  # the open group transaction, if any
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

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (a write's, or an open group commit)."""
        return self._conn.in_transaction

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it commits, or none of it."""
        with self._lock:
            if self._group is not None:
                self._commit_group()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
                self._committed()

    def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one write statement in its own transaction; returns the rows changed.

        SQLite runs a lone statement outside BEGIN as a transaction of its own
        (autocommit): it takes the write lock before the statement starts, as BEGIN
        IMMEDIATE does, and commits when it ends, durable as a COMMIT. That saves the
        BEGIN and COMMIT round trips (about a third of a one-row write's cost)."""
        with self._lock:
            if self._group is not None:
                self._commit_group()
            rowcount = self._conn.execute(sql, args).rowcount
            self._committed()
        return rowcount

    def execute_grouped(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one write statement in the group transaction of this event-loop step (see
        the module's docstring), or like `execute` when the caller collects no commit
        waits; returns the rows changed."""
        waits = _COMMIT_WAITS.get()
        if waits is None:
            return self.execute(sql, args)
        group = self._group
        # The open group is this loop's when its loop runs on this thread (a thread runs
        # one loop at a time). That spares asyncio.get_running_loop(), a getpid() system
        # call, on every write but a group's first.
        if group is None or group.thread != threading.get_ident() or not group.loop.is_running():
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # a worker thread that inherited the collector's context
                return self.execute(sql, args)
        else:
            loop = group.loop
        with self._lock:
            group = self._group
            if group is None or group.loop is not loop:
                if group is not None:
                    self._commit_group()
                self._conn.execute("BEGIN IMMEDIATE")
                group = self._group = CommitWait(loop)
                loop.call_soon(self._commit_pending, group)
            try:
                rowcount = self._writes_cursor.execute(sql, args).rowcount
            except BaseException as exc:
                if not self._conn.in_transaction:  # SQLite gave up the whole transaction
                    self._group = None
                    group.settle(exc)
                raise
        waits.append(group)
        return rowcount

    def _commit_pending(self, group: CommitWait) -> None:
        """The end of the loop step that opened `group`: commit it unless done already,
        then call its waiters at once (outside the lock)."""
        try:
            with self._lock:
                if self._group is group:
                    self._commit_group(notify=False)
        finally:
            group.notify()  # (a no-op when it was notified already)

    def _commit_group(self, notify: bool = True) -> None:
        """COMMIT the open group (lock held) and tell its waiters (`notify`: in the
        loop's next step; else the caller calls `notify()` once it holds no lock)."""
        group, self._group = self._group, None
        assert group is not None
        try:
            self._conn.execute("COMMIT")
        except BaseException as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            group.error = exc
            if notify:
                group.settle(exc)
            return
        self._committed()
        if notify:
            group.settle(None)

    def _committed(self) -> None:
        self._writes += 1
        checkpointer = self._checkpointer
        if checkpointer.caught_up:
            checkpointer.caught_up = False
            self._finish_checkpoint()
        elif self._writes % CHECKPOINT_EVERY == 0:
            checkpointer.request()

    def _finish_checkpoint(self) -> None:
        """Copy the few WAL pages the background checkpoint left (lock held, no
        transaction open), so that the next write starts the WAL over."""
        try:
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:  # e.g. busy: the next background checkpoint tries again
            log.warning("checkpoint of %s failed", self.path, exc_info=True)

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            if self._group is not None:
                self._commit_group()
            return self._conn.execute(sql, args).fetchall()

    def query_one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            if self._group is not None:
                self._commit_group()
            return self._conn.execute(sql, args).fetchone()

    def close(self) -> None:
        self._checkpointer.stop()
        with self._lock:
            if self._group is not None:
                self._commit_group()
            self._conn.close()
        self._checkpointer.release()


class Checkpointer:
    """Runs PASSIVE WAL checkpoints on a thread of its own, on its own connection, when
    asked: they copy committed pages into the database file without blocking the writer
    or readers (sqlite3 releases the GIL while SQLite works), so the request path never
    waits for the checkpoint's I/O. The thread starts on the first request.

    SQLite fsyncs the database file only after a checkpoint that reached the end of the
    WAL, which under steady writes is never the background one; the thread fsyncs it
    itself after each pass, so the writer's final checkpoint finds little to write. That
    file descriptor stays open until the database is closed (`release`): closing any
    descriptor of a file drops every POSIX lock the process holds on it, SQLite's too."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.caught_up = False  # the writer should finish the checkpoint (see `Database`)
        self._wanted = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._fd: int | None = None  # the database file, for fsync

    def request(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"checkpoint {self.path.name}", daemon=True
            )
            self._thread.start()
        self._wanted.set()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping = True
            self._wanted.set()
            thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            for pragma in _PRAGMAS:
                conn.execute(f"PRAGMA {pragma}")
            while True:
                self._wanted.wait()
                self._wanted.clear()
                if self._stopping:
                    return
                try:
                    self._checkpoint(conn)
                except (sqlite3.Error, OSError):  # e.g. busy: the next request tries again
                    log.warning("checkpoint of %s failed", self.path, exc_info=True)
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        """Checkpoint in passes, each copying what the writer committed during the last;
        once the WAL is long and nearly all copied, hand the rest to the writer."""
        copied = -1
        for _ in range(MAX_PASSES):
            busy, pages, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if done > max(copied, 0):
                if self._fd is None:
                    self._fd = os.open(self.path, os.O_RDONLY)
                _fdatasync(self._fd)
            if busy or pages < RESTART_PAGES or done < pages:
                return
            if 0 <= copied and done - copied < HANDOVER_PAGES:
                break
            copied = done
        self.caught_up = True

    def release(self) -> None:
        """Close the database file descriptor (after SQLite's last connection closed)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


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
