"""DynamoDB Streams, the table side: opening and closing a table's stream, and the
change observer that appends a stream record for every item change in the same
transaction as the change (so a record exists exactly when its write committed, and
records of one item are in commit order).

The `StreamLog` is also the small engine interface the dynamodbstreams provider reads
through (`streams`, `find`, `read`, `horizon`, `latest`): it never sees SQL or HTTP.

As in DynamoDB, a write that changes nothing (a PutItem of an identical item, an
UpdateItem that sets what is already there, a DeleteItem of a missing item) produces
no record; records of TTL deletions carry the service `userIdentity`.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from lenticular.services.dynamodb.changes import UNREAD, Change
from lenticular.services.dynamodb.models import Stream
from lenticular.services.dynamodb.store import decode_item
from lenticular.services.dynamodb.stream_store import StreamStore
from lenticular.services.dynamodb.values import item_size

if TYPE_CHECKING:
    import sqlite3

    from lenticular.services.dynamodb.models import Table

RETENTION = 24 * 3600.0  # seconds records (and disabled streams) stay readable
SEQ_BASE = 10**20  # sequence numbers on the wire are decimal strings of 21+ digits
PAGE_BYTES = 1024 * 1024  # GetRecords returns at most 1 MB
SERVICE_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
_NEW = ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
_OLD = ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def wire_seq(seq: int) -> str:
    return str(SEQ_BASE + seq)


def parse_seq(text: str) -> int | None:
    """The store sequence number of a wire SequenceNumber; None if it is not one."""
    if not text.isdecimal() or len(text) < 21 or len(text) > 40:
        return None
    seq = int(text) - SEQ_BASE
    return seq if seq >= 0 else None


def same_item(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two items are equal as DynamoDB sees them (sets are unordered)."""
    return a == b or _canonical(a) == _canonical(b)


def _canonical(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _canonical_value(value) for name, value in item.items()}


def _canonical_value(value: dict[str, Any]) -> Any:
    kind, inner = next(iter(value.items()))
    if kind in ("SS", "NS", "BS"):
        return kind, frozenset(bytes(m) if kind == "BS" else m for m in inner)
    if kind == "M":
        return kind, _canonical(inner)
    if kind == "L":
        return kind, [_canonical_value(v) for v in inner]
    return kind, inner


class StreamLog:
    """The streams of every table: lifecycle, the write-path observer, and reads."""

    def __init__(self, store: StreamStore) -> None:
        self.store = store

    # -- lifecycle (CreateTable, UpdateTable, DeleteTable) ---------------------------------

    def sync(self, table: Table) -> bool:
        """Open a stream for a newly enabled StreamSpecification, close the current one
        when it was disabled. True when the table's private state changed (save it)."""
        description = table.description
        spec = description.get("StreamSpecification") or {}
        current = description.get("_stream")
        if spec.get("StreamEnabled"):
            arn = description["LatestStreamArn"]
            if current is not None and current["arn"] == arn:
                return False
            if current is not None:
                self.store.disable(current["id"], time.time())
            now = time.time()
            stream = Stream(
                id=0, table_id=table.id, account_id=table.account_id, region=table.region,
                table_name=table.name, arn=arn, label=description["LatestStreamLabel"],
                view_type=spec["StreamViewType"], key_schema=description["KeySchema"],
                created_at=now, disabled_at=None,
                shard_id=f"shardId-{int(now * 1000):020d}-{uuid.uuid4().hex[:8]}",
                start_seq=self.store.next_seq(), end_seq=None, trimmed_to=0,
            )  # fmt: skip
            stream_id = self.store.create(stream)
            description["_stream"] = {"id": stream_id, "arn": arn, "view": stream.view_type}
            return True
        if current is not None:
            self.store.disable(current["id"], time.time())
            del description["_stream"]
            return True
        return False

    def table_deleted(self, table: Table) -> None:
        """A deleted table's stream is DISABLED and stays readable for 24 hours."""
        current = table.description.get("_stream")
        if current is not None:
            self.store.disable(current["id"], time.time())

    # -- the write path (a changes.ChangeObserver) -----------------------------------------

    def watches(self, table: Table) -> bool:
        return "_stream" in table.description

    def wants_old(self, table: Table) -> bool:
        return "_stream" in table.description  # INSERT vs MODIFY, and no-op writes

    def observe(self, conn: sqlite3.Connection, changes: Sequence[Change]) -> None:
        rows = []
        now = time.time()
        for change in changes:
            info = change.table.description.get("_stream")
            if info is None:
                continue
            record = self.record(change, info["view"], now)
            if record is not None:
                rows.append((info["id"], now, record))
        if rows:
            StreamStore.append(conn, rows)

    @staticmethod
    def record(change: Change, view: str, now: float) -> dict[str, Any] | None:
        """The stream record of one change (without its SequenceNumber, which the store
        assigns); None for a change that changes nothing."""
        old = change.old if change.old is not UNREAD else None
        new = change.new
        if old is None:
            if new is None:
                return None
            name = "INSERT"
        elif new is None:
            name = "REMOVE"
        elif same_item(old, new):
            return None
        else:
            name = "MODIFY"
        table = change.table
        keys = table.key_attributes(new if new is not None else old)  # type: ignore[arg-type]
        size = item_size(keys)
        body: dict[str, Any] = {"ApproximateCreationDateTime": int(now), "Keys": keys}
        if new is not None and view in _NEW:
            body["NewImage"] = new
            size += item_size(new)
        if old is not None and view in _OLD:
            body["OldImage"] = old
            size += item_size(old)
        body["SizeBytes"] = max(size, 1)
        body["StreamViewType"] = view
        record: dict[str, Any] = {
            "eventID": uuid.uuid4().hex,
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": table.region,
            "dynamodb": body,
        }
        if change.by_service:
            record["userIdentity"] = dict(SERVICE_IDENTITY)
        return record

    # -- reads (the dynamodbstreams provider's engine interface) ---------------------------

    def streams(
        self, account: str, region: str, table_name: str | None, after: str | None, limit: int
    ) -> list[Stream]:
        """Streams of an account and region in ARN order, after the ARN `after`."""
        return self.store.listed(account, region, table_name, after, limit)

    def find(self, arn: str) -> Stream | None:
        return self.store.by_arn(arn)

    def horizon(self, stream: Stream) -> int:
        """The position of the oldest record still kept (TRIM_HORIZON)."""
        return max(stream.start_seq, stream.trimmed_to + 1)

    def latest(self, stream: Stream) -> int:
        """The position just after the newest record (LATEST)."""
        if stream.end_seq is not None:
            return stream.end_seq + 1
        return self.store.next_seq()

    def at_time(self, stream: Stream, when: float) -> int:
        """The position of the first record created at `when` or later (AT_TIMESTAMP)."""
        seq = self.store.first_at(stream.id, when)
        return max(seq, self.horizon(stream)) if seq is not None else self.latest(stream)

    def read(
        self, stream: Stream, position: int, limit: int
    ) -> tuple[list[dict[str, Any]], int, bool]:
        """Up to `limit` records (and 1 MB) from `position` on, the position after them,
        and whether more records may follow."""
        out: list[dict[str, Any]] = []
        size = 0
        rows = self.store.records(stream.id, position, limit)
        for seq, data in rows:
            record = orjson.loads(data)
            body = record["dynamodb"]
            for image in ("Keys", "NewImage", "OldImage"):
                if image in body:
                    decode_item(body[image])
            body["SequenceNumber"] = wire_seq(seq)
            out.append(record)
            position = seq + 1
            size += len(data)
            if size >= PAGE_BYTES:
                return out, position, True
        return out, position, len(rows) == limit

    def trim(self, now: float | None = None) -> int:
        """Drop records older than 24 hours and streams disabled 24 hours ago."""
        return self.store.trim((now if now is not None else time.time()) - RETENTION)
