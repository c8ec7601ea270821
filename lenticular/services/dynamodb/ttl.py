"""Time to Live: items whose TTL attribute (a Number, epoch seconds) lies in the past
are hidden from every read at once and deleted by a sweeper within about a second.

AWS deletes expired items "within a few days" and shows them until then; lenticular
hides them from GetItem, Query, Scan, BatchGetItem and TransactGetItems the moment they
expire and deletes them through the single write path (`changes.Writer`), so indexes
stay consistent and stream records (REMOVE, with the service `userIdentity`) appear as
in AWS. As in AWS, a TTL attribute that is not a Number is ignored, and so is a time
more than five years in the past.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html

The expiry index (`ddb_ttl`, one row per item with a numeric TTL attribute) is kept by
`ExpiryIndex`, a change observer, so the sweeper reads only what has expired.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lenticular.services.dynamodb.changes import Change, Writer
from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.store import DynamoDBStore, load_item

if TYPE_CHECKING:
    import sqlite3

    from lenticular.services.dynamodb.models import Table

FIVE_YEARS = 5 * 365 * 24 * 3600.0  # older expiry times are ignored, as in AWS
SWEEP_BATCH = 500  # items deleted per table per background sweep


def expiry(attribute: str, item: dict[str, Any]) -> float | None:
    """When `item` expires by its TTL attribute, or None (absent or not a Number)."""
    value = item.get(attribute)
    if value is None or len(value) != 1 or "N" not in value:
        return None
    try:
        return float(value["N"])
    except (TypeError, ValueError):
        return None


def is_expired(expires_at: float | None, now: float) -> bool:
    return expires_at is not None and now - FIVE_YEARS <= expires_at < now


def expired_now(table: Table, item: dict[str, Any], now: float | None = None) -> bool:
    """Whether reads must hide `item` (its table has TTL and the item has expired)."""
    attribute = table.description.get("_ttl")
    if not attribute:
        return False
    return is_expired(expiry(attribute, item), now if now is not None else time.time())


# -- UpdateTimeToLive / DescribeTimeToLive ---------------------------------------------------


def describe_ttl(table: Table) -> dict[str, Any]:
    ttl = table.description.get("_ttl")
    if not ttl:
        return {"TimeToLiveStatus": "DISABLED"}
    return {"TimeToLiveStatus": "ENABLED", "AttributeName": ttl}


def update_ttl(table: Table, spec: dict[str, Any]) -> None:
    current = table.description.get("_ttl")
    if spec["Enabled"]:
        if current == spec["AttributeName"]:
            raise ValidationException("TimeToLive is already enabled")
        if current:
            raise ValidationException(
                f"TimeToLive is active on a different AttributeName: current AttributeName is"
                f" {current}"
            )
        table.description["_ttl"] = spec["AttributeName"]
    else:
        if not current:
            raise ValidationException("TimeToLive is already disabled")
        if current != spec["AttributeName"]:
            raise ValidationException(
                f"TimeToLive is active on a different AttributeName: current AttributeName is"
                f" {current}"
            )
        table.description.pop("_ttl", None)


class ExpiryIndex:
    """A change observer keeping `ddb_ttl` in step with the items of TTL tables."""

    def __init__(self, store: DynamoDBStore) -> None:
        self.store = store

    def watches(self, table: Table) -> bool:
        return bool(table.description.get("_ttl"))

    def wants_old(self, table: Table) -> bool:
        return False

    def observe(self, conn: sqlite3.Connection, changes: Sequence[Change]) -> None:
        for change in changes:
            attribute = change.table.description.get("_ttl")
            if not attribute:
                continue
            when = expiry(attribute, change.new) if change.new is not None else None
            self.store.set_expiry(conn, change.table.id, change.hash_key, change.range_key, when)

    def rebuild(self, table: Table) -> None:
        """Index every item of `table` (TTL just enabled) or none (TTL disabled)."""
        self.store.clear_expiries(table.id)
        attribute = table.description.get("_ttl")
        if not attribute:
            return
        with self.store.db.write() as conn:
            for data, hash_key, range_key in self.store.iter_rows(table.id):
                when = expiry(attribute, load_item(data))
                if when is not None:
                    self.store.set_expiry(conn, table.id, hash_key, range_key, when)


def sweep(
    store: DynamoDBStore, writer: Writer, tables: Sequence[Table], now: float,
    limit: int | None,
) -> int:  # fmt: skip
    """Delete items of `tables` expired at `now` (up to `limit` per table, None: all)
    through the write path, as DynamoDB's TTL does; the number deleted."""
    deleted = 0
    for table in tables:
        attribute = table.description.get("_ttl")
        if not attribute:
            continue
        while True:
            batch = SWEEP_BATCH if limit is None else min(limit, SWEEP_BATCH)
            rows = store.expired(table.id, now - FIVE_YEARS, now, batch)
            changes = []
            for hash_key, range_key in rows:
                found = store.get(table.id, hash_key, range_key)
                old = load_item(found[0]) if found is not None else None
                changes.append(
                    Change(table, hash_key, range_key, old, found[1] if found else 0, None, 0,
                           by_service=True)
                )  # fmt: skip
            if changes:
                writer.apply(changes)  # a missing item: the observer drops its index row
            deleted += sum(1 for c in changes if c.old is not None)
            if len(rows) < batch or limit is not None:
                break
    return deleted
