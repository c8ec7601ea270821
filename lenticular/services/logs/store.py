"""Where CloudWatch Logs keeps its groups, streams and events (SQLite, keyed by account
and region). Every write is one transaction; event batches update the stream's and the
group's statistics in the same transaction as the rows they add."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from lenticular.services.logs.models import LogEvent, LogGroup, LogStream
from lenticular.state.sqlite import Database

MIGRATIONS = Path(__file__).parent / "migrations"

_GROUP_COLUMNS = (
    "id, account_id, region, name, creation_time, retention_days, kms_key_id,"
    " log_group_class, deletion_protection, stored_bytes, tags"
)
_STREAM_COLUMNS = (
    "id, group_id, name, creation_time, first_event_timestamp, last_event_timestamp,"
    " last_ingestion_time, sequence, stored_bytes"
)
_EVENT_COLUMNS = "e.id, s.name, e.timestamp, e.ingestion_time, e.message"
_READ_BATCH = 1000  # rows fetched per query when scanning events


def _group(row: sqlite3.Row) -> LogGroup:
    values = list(row)
    values[8] = bool(values[8])
    values[10] = orjson.loads(values[10])
    return LogGroup(*values)


def _stream(row: sqlite3.Row) -> LogStream:
    return LogStream(*row)


def message_size(message: str) -> int:
    return len(message.encode("utf-8"))


class LogsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- groups --------------------------------------------------------------------------

    def create_group(
        self,
        account_id: str,
        region: str,
        name: str,
        creation_time: int,
        *,
        kms_key_id: str | None = None,
        log_group_class: str = "STANDARD",
        deletion_protection: bool = False,
        tags: dict[str, str] | None = None,
    ) -> bool:
        """Add a group; False if one of that name exists in the account and region."""
        try:
            self.db.execute(
                "INSERT INTO log_groups (account_id, region, name, creation_time, kms_key_id,"
                " log_group_class, deletion_protection, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    account_id,
                    region,
                    name,
                    creation_time,
                    kms_key_id,
                    log_group_class,
                    int(deletion_protection),
                    orjson.dumps(tags or {}).decode(),
                ),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def get_group(self, account_id: str, region: str, name: str) -> LogGroup | None:
        row = self.db.query_one(
            f"SELECT {_GROUP_COLUMNS} FROM log_groups"
            " WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        )
        return _group(row) if row is not None else None

    def delete_group(self, group_id: int) -> None:
        with self.db.write() as conn:
            # Events first, by the group index, rather than by cascading per stream.
            conn.execute("DELETE FROM log_events WHERE group_id = ?", (group_id,))
            conn.execute("DELETE FROM log_groups WHERE id = ?", (group_id,))

    def list_groups(
        self,
        account_id: str,
        region: str,
        *,
        prefix: str | None,
        pattern: str | None,
        after: str | None,
        limit: int,
        log_group_class: str | None = None,
    ) -> list[LogGroup]:
        """Groups in name order, after the name `after`, at most `limit`."""
        sql = f"SELECT {_GROUP_COLUMNS} FROM log_groups WHERE account_id = ? AND region = ?"
        args: list[Any] = [account_id, region]
        if prefix:
            sql += " AND substr(name, 1, ?) = ?"
            args += [len(prefix), prefix]
        if pattern:
            sql += " AND instr(name, ?) > 0"
            args.append(pattern)
        if log_group_class:
            sql += " AND log_group_class = ?"
            args.append(log_group_class)
        if after is not None:
            sql += " AND name > ?"
            args.append(after)
        sql += " ORDER BY name LIMIT ?"
        args.append(limit)
        return [_group(row) for row in self.db.query(sql, args)]

    def groups_with_retention(self) -> list[LogGroup]:
        return [
            _group(row)
            for row in self.db.query(
                f"SELECT {_GROUP_COLUMNS} FROM log_groups WHERE retention_days IS NOT NULL"
            )
        ]

    def set_retention(self, group_id: int, days: int | None) -> None:
        self.db.execute("UPDATE log_groups SET retention_days = ? WHERE id = ?", (days, group_id))

    def set_tags(self, group_id: int, tags: dict[str, str]) -> None:
        self.db.execute(
            "UPDATE log_groups SET tags = ? WHERE id = ?", (orjson.dumps(tags).decode(), group_id)
        )

    # -- streams -------------------------------------------------------------------------

    def create_stream(self, group_id: int, name: str, creation_time: int) -> bool:
        try:
            self.db.execute(
                "INSERT INTO log_streams (group_id, name, creation_time) VALUES (?, ?, ?)",
                (group_id, name, creation_time),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def get_stream(self, group_id: int, name: str) -> LogStream | None:
        row = self.db.query_one(
            f"SELECT {_STREAM_COLUMNS} FROM log_streams WHERE group_id = ? AND name = ?",
            (group_id, name),
        )
        return _stream(row) if row is not None else None

    def delete_stream(self, stream: LogStream) -> None:
        with self.db.write() as conn:
            conn.execute("DELETE FROM log_events WHERE stream_id = ?", (stream.id,))
            conn.execute("DELETE FROM log_streams WHERE id = ?", (stream.id,))
            conn.execute(
                "UPDATE log_groups SET stored_bytes = max(0, stored_bytes - ?) WHERE id = ?",
                (stream.stored_bytes, stream.group_id),
            )

    def list_streams(
        self,
        group_id: int,
        *,
        prefix: str | None,
        by_last_event: bool,
        descending: bool,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> list[LogStream]:
        """Streams ordered by name or by (last event time, name); keyset-paged by `after`."""
        sql = f"SELECT {_STREAM_COLUMNS} FROM log_streams WHERE group_id = ?"
        args: list[Any] = [group_id]
        if prefix:
            sql += " AND substr(name, 1, ?) = ?"
            args += [len(prefix), prefix]
        columns = ["coalesce(last_event_timestamp, -1)", "name"] if by_last_event else ["name"]
        if after is not None:
            marks = ", ".join("?" for _ in after)
            key = ", ".join(columns)
            sql += f" AND ({key}) {'<' if descending else '>'} ({marks})"
            args += list(after)
        direction = "DESC" if descending else "ASC"
        sql += " ORDER BY " + ", ".join(f"{c} {direction}" for c in columns) + " LIMIT ?"
        args.append(limit)
        return [_stream(row) for row in self.db.query(sql, args)]

    def stream_ids(
        self, group_id: int, *, names: Sequence[str] | None, prefix: str | None
    ) -> list[int]:
        sql, args = "SELECT id FROM log_streams WHERE group_id = ?", [group_id]
        if names is not None:
            sql += f" AND name IN ({', '.join('?' for _ in names)})"
            args += list(names)
        if prefix:
            sql += " AND substr(name, 1, ?) = ?"
            args += [len(prefix), prefix]
        return [row[0] for row in self.db.query(sql, args)]

    # -- events --------------------------------------------------------------------------

    def append(
        self,
        account_id: str,
        region: str,
        group: str,
        stream: str,
        events: Sequence[tuple[int, str]],
        ingestion_time: int,
        *,
        create: bool,
    ) -> tuple[bool, bool] | int:
        """Store a batch in one transaction.

        Returns the stream's new sequence number, or (group found, stream found) when
        `create` is False and either is missing (nothing is written then)."""
        with self.db.write() as conn:
            if create:
                conn.execute(
                    "INSERT OR IGNORE INTO log_groups (account_id, region, name, creation_time)"
                    " VALUES (?, ?, ?, ?)",
                    (account_id, region, group, ingestion_time),
                )
            row = conn.execute(
                "SELECT id FROM log_groups WHERE account_id = ? AND region = ? AND name = ?",
                (account_id, region, group),
            ).fetchone()
            if row is None:
                return (False, False)
            group_id = row[0]
            if create:
                conn.execute(
                    "INSERT OR IGNORE INTO log_streams (group_id, name, creation_time)"
                    " VALUES (?, ?, ?)",
                    (group_id, stream, ingestion_time),
                )
            row = conn.execute(
                "SELECT id FROM log_streams WHERE group_id = ? AND name = ?", (group_id, stream)
            ).fetchone()
            if row is None:
                return (True, False)
            stream_id = row[0]
            if not events:
                return int(
                    conn.execute(
                        "SELECT sequence FROM log_streams WHERE id = ?", (stream_id,)
                    ).fetchone()[0]
                )
            conn.executemany(
                "INSERT INTO log_events (group_id, stream_id, timestamp, ingestion_time, message)"
                " VALUES (?, ?, ?, ?, ?)",
                [(group_id, stream_id, ts, ingestion_time, message) for ts, message in events],
            )
            size = sum(message_size(message) for _, message in events)
            first = min(ts for ts, _ in events)
            last = max(ts for ts, _ in events)
            conn.execute(
                "UPDATE log_streams SET"
                " first_event_timestamp = min(coalesce(first_event_timestamp, ?), ?),"
                " last_event_timestamp = max(coalesce(last_event_timestamp, ?), ?),"
                " last_ingestion_time = ?, sequence = sequence + 1,"
                " stored_bytes = stored_bytes + ? WHERE id = ?",
                (first, first, last, last, ingestion_time, size, stream_id),
            )
            conn.execute(
                "UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?",
                (size, group_id),
            )
            return int(
                conn.execute(
                    "SELECT sequence FROM log_streams WHERE id = ?", (stream_id,)
                ).fetchone()[0]
            )

    def stream_events(
        self,
        stream_id: int,
        *,
        start: int,
        end: int,
        position: tuple[int, int] | None,
        forward: bool,
        limit: int,
    ) -> list[LogEvent]:
        """Events of a stream with start <= timestamp < end, strictly after (forward) or
        before (backward) `position`, nearest first in the direction of travel."""
        sql = (
            f"SELECT {_EVENT_COLUMNS} FROM log_events e JOIN log_streams s ON s.id = e.stream_id"
            " WHERE e.stream_id = ? AND e.timestamp >= ? AND e.timestamp < ?"
        )
        args: list[Any] = [stream_id, start, end]
        if position is not None:
            sql += f" AND (e.timestamp, e.id) {'>' if forward else '<'} (?, ?)"
            args += list(position)
        order = "ASC" if forward else "DESC"
        sql += f" ORDER BY e.timestamp {order}, e.id {order} LIMIT ?"
        args.append(limit)
        return [LogEvent(*row) for row in self.db.query(sql, args)]

    def group_events(
        self,
        group_id: int,
        *,
        stream_ids: Sequence[int] | None,
        start: int,
        end: int,
        position: tuple[int, int] | None,
    ) -> Iterator[LogEvent]:
        """Events of a group with start <= timestamp <= end after `position`, in time order,
        read in batches so a caller that stops early reads little."""
        base = (
            f"SELECT {_EVENT_COLUMNS} FROM log_events e JOIN log_streams s ON s.id = e.stream_id"
            " WHERE e.group_id = ? AND e.timestamp >= ? AND e.timestamp <= ?"
        )
        if stream_ids is not None:
            base += f" AND e.stream_id IN ({', '.join(str(int(i)) for i in stream_ids)})"
        base += " AND (e.timestamp, e.id) > (?, ?) ORDER BY e.timestamp, e.id LIMIT ?"
        after = position or (start - 1, 0)
        while True:
            rows = self.db.query(base, (group_id, start, end, after[0], after[1], _READ_BATCH))
            for row in rows:
                yield LogEvent(*row)
            if len(rows) < _READ_BATCH:
                return
            after = (rows[-1][2], rows[-1][0])

    def delete_older_than(self, group_id: int, cutoff: int) -> int:
        """Remove a group's events with timestamp < cutoff; returns how many."""
        with self.db.write() as conn:
            rows = conn.execute(
                "SELECT stream_id, count(*), coalesce(sum(length(CAST(message AS BLOB))), 0)"
                " FROM log_events WHERE group_id = ? AND timestamp < ? GROUP BY stream_id",
                (group_id, cutoff),
            ).fetchall()
            if not rows:
                return 0
            conn.execute(
                "DELETE FROM log_events WHERE group_id = ? AND timestamp < ?", (group_id, cutoff)
            )
            total_bytes = 0
            for stream_id, _, size in rows:
                total_bytes += size
                conn.execute(
                    "UPDATE log_streams SET stored_bytes = max(0, stored_bytes - ?) WHERE id = ?",
                    (size, stream_id),
                )
            conn.execute(
                "UPDATE log_groups SET stored_bytes = max(0, stored_bytes - ?) WHERE id = ?",
                (total_bytes, group_id),
            )
            return sum(count for _, count, _ in rows)
