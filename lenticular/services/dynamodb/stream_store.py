"""Where DynamoDB Streams live: the `ddb_streams` and `ddb_stream_records` tables of the
DynamoDB database (see migration 003). Records are appended inside the item write
transaction (`streams.StreamLog.observe`), so a record exists exactly when its write
committed; sequence numbers are the records' global AUTOINCREMENT keys.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from lenticular.services.dynamodb.models import Stream
from lenticular.state.sqlite import Database

_COLUMNS = (
    "SELECT id, table_id, account_id, region, table_name, arn, label, view_type, key_schema,"
    " created_at, disabled_at, shard_id, start_seq, end_seq, trimmed_to FROM ddb_streams"
)
_APPEND = "INSERT INTO ddb_stream_records (stream_id, created_at, record) VALUES (?, ?, ?)"


def _stream(row: Any) -> Stream:
    return Stream(
        id=row[0], table_id=row[1], account_id=row[2], region=row[3], table_name=row[4],
        arn=row[5], label=row[6], view_type=row[7], key_schema=orjson.loads(row[8]),
        created_at=row[9], disabled_at=row[10], shard_id=row[11], start_seq=row[12],
        end_seq=row[13], trimmed_to=row[14],
    )  # fmt: skip


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot store {type(value).__name__}")


class StreamStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- streams --------------------------------------------------------------------------

    def create(self, stream: Stream) -> int:
        with self.db.write() as conn:
            cursor = conn.execute(
                "INSERT INTO ddb_streams (table_id, account_id, region, table_name, arn, label,"
                " view_type, key_schema, created_at, shard_id, start_seq)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (stream.table_id, stream.account_id, stream.region, stream.table_name,
                 stream.arn, stream.label, stream.view_type, orjson.dumps(stream.key_schema),
                 stream.created_at, stream.shard_id, stream.start_seq),
            )  # fmt: skip
            return int(cursor.lastrowid or 0)

    def disable(self, stream_id: int, when: float) -> None:
        """Close the stream's shard at the last sequence number assigned so far."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE ddb_streams SET disabled_at = ?, end_seq = max(start_seq,"
                " coalesce((SELECT max(seq) FROM ddb_stream_records WHERE stream_id = ?), 0))"
                " WHERE id = ? AND disabled_at IS NULL",
                (when, stream_id, stream_id),
            )

    def get(self, stream_id: int) -> Stream | None:
        row = self.db.query_one(f"{_COLUMNS} WHERE id = ?", (stream_id,))
        return _stream(row) if row is not None else None

    def by_arn(self, arn: str) -> Stream | None:
        row = self.db.query_one(f"{_COLUMNS} WHERE arn = ?", (arn,))
        return _stream(row) if row is not None else None

    def of_table(self, table_id: int) -> list[Stream]:
        return [_stream(r) for r in self.db.query(f"{_COLUMNS} WHERE table_id = ?", (table_id,))]

    def listed(self, account: str, region: str, table_name: str | None, after: str | None,
               limit: int) -> list[Stream]:  # fmt: skip
        """Streams of an account and region in ARN order, after the ARN `after`."""
        sql = f"{_COLUMNS} WHERE account_id = ? AND region = ?"
        args: list[Any] = [account, region]
        if table_name is not None:
            sql += " AND table_name = ?"
            args.append(table_name)
        if after is not None:
            sql += " AND arn > ?"
            args.append(after)
        args.append(limit)
        return [_stream(r) for r in self.db.query(sql + " ORDER BY arn LIMIT ?", args)]

    def next_seq(self) -> int:
        """The sequence number the next record will get."""
        row = self.db.query_one("SELECT seq FROM sqlite_sequence WHERE name = 'ddb_stream_records'")
        return (int(row[0]) if row is not None else 0) + 1

    # -- records --------------------------------------------------------------------------

    @staticmethod
    def append(conn: Any, rows: list[tuple[int, float, dict[str, Any]]]) -> None:
        """Append (stream id, time, record) rows inside the item write transaction."""
        conn.executemany(
            _APPEND, [(sid, when, orjson.dumps(rec, default=_default)) for sid, when, rec in rows]
        )

    def records(self, stream_id: int, position: int, limit: int) -> list[tuple[int, bytes]]:
        """(sequence number, record bytes) of up to `limit` records from `position` on."""
        return self.db.query(  # type: ignore[return-value]
            "SELECT seq, record FROM ddb_stream_records WHERE stream_id = ? AND seq >= ?"
            " ORDER BY seq LIMIT ?",
            (stream_id, position, limit),
        )

    def first_at(self, stream_id: int, when: float) -> int | None:
        """The sequence number of the stream's first record created at `when` or later."""
        row = self.db.query_one(
            "SELECT min(seq) FROM ddb_stream_records WHERE stream_id = ? AND created_at >= ?",
            (stream_id, when),
        )
        return int(row[0]) if row is not None and row[0] is not None else None

    # -- retention ------------------------------------------------------------------------

    def trim(self, before: float) -> int:
        """Drop records created before `before` and streams disabled before it; the
        number of records dropped."""
        oldest = self.db.query_one(
            "SELECT created_at FROM ddb_stream_records ORDER BY seq LIMIT 1"
        )  # records are in time order: the first one is the oldest
        expired_streams = self.db.query_one(
            "SELECT count(*) FROM ddb_streams WHERE disabled_at < ?", (before,)
        )
        if (oldest is None or oldest[0] is None or oldest[0] >= before) and not (
            expired_streams and expired_streams[0]
        ):
            return 0  # the common case: nothing is 24 hours old
        with self.db.write() as conn:
            rows = conn.execute(
                "SELECT stream_id, max(seq) FROM ddb_stream_records WHERE created_at < ?"
                " GROUP BY stream_id",
                (before,),
            ).fetchall()
            dropped = 0
            for stream_id, last in rows:
                dropped += conn.execute(
                    "DELETE FROM ddb_stream_records WHERE stream_id = ? AND seq <= ?",
                    (stream_id, last),
                ).rowcount
                conn.execute(
                    "UPDATE ddb_streams SET trimmed_to = max(trimmed_to, ?) WHERE id = ?",
                    (last, stream_id),
                )
            gone = [r[0] for r in conn.execute(
                "SELECT id FROM ddb_streams WHERE disabled_at < ?", (before,)
            ).fetchall()]  # fmt: skip
            for stream_id in gone:
                dropped += conn.execute(
                    "DELETE FROM ddb_stream_records WHERE stream_id = ?", (stream_id,)
                ).rowcount
                conn.execute("DELETE FROM ddb_streams WHERE id = ?", (stream_id,))
            return dropped
