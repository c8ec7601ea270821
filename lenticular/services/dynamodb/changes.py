"""The single write path: every item write (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
TransactWriteItems, PartiQL) becomes a list of `Change`s (old item -> new item) applied by
`Writer.apply` in ONE store transaction, together with what follows from them:

- secondary index entries (removed for the old item, added for the new one; sparse),
- item collection sizes of tables with LSIs (the 10 GB limit),
- whatever the registered change observers write.

Observers are the hook for work that must commit atomically with the items: stream
records and TTL bookkeeping register a `ChangeObserver` in `Writer.observers`; it says
which tables it watches (`watches`) and which need the old item (`wants_old`), and is called with the open connection and
the changes *inside* the transaction (`observe`), so an observer's failure rolls the
writes back. Callers read the old item whenever `Writer.needs_old(table)` says so; when
nothing needs it (a plain PutItem on a table without indexes, stream or TTL) they pass
`UNREAD` and the write stays a single INSERT.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from lenticular.services.dynamodb.capacity import write_units
from lenticular.services.dynamodb.errors import ItemCollectionSizeLimitExceededException
from lenticular.services.dynamodb.store import DynamoDBStore, dump_item, load_item

if TYPE_CHECKING:
    from lenticular.services.dynamodb.models import Table

COLLECTION_LIMIT = 10 * 1024**3  # bytes per item collection of a table with LSIs
GIGABYTE = 1024**3


class _Unread:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNREAD"


UNREAD: Any = _Unread()  # the old item was not read because nothing needed it


@dataclass(slots=True)
class Change:
    table: Table
    hash_key: bytes  # the item's store key (see `keys`)
    range_key: bytes
    old: dict[str, Any] | None  # the item before (None: absent; UNREAD: not read)
    old_size: int
    new: dict[str, Any] | None  # the item after (None: deleted)
    new_size: int
    by_service: bool = False  # made by DynamoDB itself (a TTL deletion), not by a caller


@dataclass(slots=True)
class Outcome:
    """What applying one change produced, for the response."""

    collection_size: int | None = None  # item collection bytes (tables with LSIs)
    index_units: dict[str, tuple[bool, float]] = field(default_factory=dict)  # name: (GSI?, WCU)


# The outcome of a write that nothing else followed from (`Writer.put_alone`); shared, so
# read-only.
NOTHING_ELSE = Outcome(None, MappingProxyType({}))  # type: ignore[arg-type]


class ChangeObserver(Protocol):
    """Work committed in the same transaction as item changes (streams, TTL)."""

    def watches(self, table: Table) -> bool:
        """Whether changes to `table` concern this observer at all."""
        ...

    def wants_old(self, table: Table) -> bool:
        """Whether changes to `table` must carry the old item (only ever for a table it
        `watches`: `Writer.alone` relies on it)."""
        ...

    def observe(self, conn: sqlite3.Connection, changes: Sequence[Change]) -> None:
        """Called inside the write transaction after the items and indexes are written."""
        ...


class Writer:
    def __init__(self, store: DynamoDBStore) -> None:
        self.store = store
        self.observers: list[ChangeObserver] = []

    def needs_old(self, table: Table) -> bool:
        if table.indexes:
            return True
        for observer in self.observers:
            if observer.wants_old(table):
                return True
        return False

    def watched(self, table: Table) -> bool:
        """Whether an observer watches changes to `table`."""
        for observer in self.observers:
            if observer.watches(table):
                return True
        return False

    def check(self, change: Change) -> None:
        """Raise DynamoDB's ValidationException if the new item has a bad index key."""
        if change.new is not None:
            for index in change.table.indexes:
                index.entry_key(change.new)

    def alone(self, table: Table) -> bool:
        """Whether nothing follows from a write to `table` but the write itself: no index
        to maintain, no observer watching (then none wants old items either)."""
        return not table.indexes and not self.watched(table)

    def put_alone(
        self, table: Table, hash_key: bytes, range_key: bytes, item: dict[str, Any], size: int
    ) -> None:
        """Write one item to a table `alone` says nothing follows from, as a single INSERT
        (its outcome is `NOTHING_ELSE`)."""
        self.store.put(table.id, hash_key, range_key, dump_item(item), size)

    def apply(
        self, changes: Sequence[Change], also: Callable[[Any, list[Outcome]], None] | None = None
    ) -> list[Outcome]:
        """Write `changes` (and their index entries, collection sizes and observer records)
        in one transaction: all of it commits, or none of it. `also(conn, outcomes)` runs
        last inside the transaction (TransactWriteItems records its token there)."""
        if len(changes) == 1 and also is None:
            only = changes[0]
            if only.new is not None and self.alone(only.table):
                self.put_alone(only.table, only.hash_key, only.range_key, only.new, only.new_size)
                return [NOTHING_ELSE]
        outcomes: list[Outcome] = []
        with self.store.db.write() as conn:
            for change in changes:
                if change.old is UNREAD and self.needs_old(change.table):
                    found = self.store.get(change.table.id, change.hash_key, change.range_key)
                    change.old = load_item(found[0]) if found is not None else None
                    change.old_size = found[1] if found is not None else 0
                outcomes.append(self._write(conn, change))
            for observer in self.observers:
                observer.observe(conn, changes)
            if also is not None:
                also(conn, outcomes)
        return outcomes

    def _write(self, conn: sqlite3.Connection, change: Change) -> Outcome:
        table, store = change.table, self.store
        item_key = (change.hash_key, change.range_key)
        if change.new is None:
            store.delete_row(conn, table.id, *item_key)
        else:
            store.put_row(conn, table.id, *item_key, dump_item(change.new), change.new_size)
        outcome = Outcome()
        if not table.indexes:
            return outcome
        old = change.old if change.old is not UNREAD else None
        new = change.new
        collection_delta = (
            change.new_size - change.old_size if new is not None else -change.old_size
        )
        has_lsi = False
        for index in table.indexes:
            old_key = index.entry_key(old) if old is not None else None
            new_key = index.entry_key(new) if new is not None else None
            old_size = index.entry_size(old) if old_key is not None else 0  # type: ignore[arg-type]
            new_size = index.entry_size(new) if new_key is not None else 0  # type: ignore[arg-type]
            if old_key is not None and old_key != new_key:
                store.delete_entry(conn, table.id, index.name, old_key, item_key)
            if new_key is not None:
                store.put_entry(conn, table.id, index.name, new_key, item_key, new_size)
            if old_key is not None or new_key is not None:
                units = write_units(max(old_size, new_size))
                if old_key is not None and new_key is not None and old_key != new_key:
                    units += write_units(old_size)  # a moved entry: a delete and a put
                outcome.index_units[index.name] = (index.is_global, units)
            if not index.is_global:
                has_lsi = True
                collection_delta += new_size - old_size
        if has_lsi:
            size = store.grow_collection(conn, table.id, change.hash_key, collection_delta)
            if size > COLLECTION_LIMIT and collection_delta > 0:
                raise ItemCollectionSizeLimitExceededException(
                    "Item collection size limit exceeded"
                )
            outcome.collection_size = size
        return outcome


def backfill(store: DynamoDBStore, table: Table, name: str) -> None:
    """Index every existing item of `table` in its new GSI `name` (UpdateTable). Items
    whose index key has the wrong type stay out of the index, as in DynamoDB."""
    index = table.index(name)
    assert index is not None
    with store.db.write() as conn:
        for data, hash_key, range_key in store.iter_rows(table.id):
            item = load_item(data)
            try:
                key = index.entry_key(item)
            except Exception:  # a type mismatch or an oversized key: not indexed
                continue
            if key is not None:
                store.put_entry(
                    conn, table.id, name, key, (hash_key, range_key), index.entry_size(item)
                )


def collection_metrics(table: Table, item: dict[str, Any], size: int | None) -> dict[str, Any]:
    """ItemCollectionMetrics of a write to a table with LSIs (a lower and upper bound in
    GB, as DynamoDB estimates them)."""
    low = float((size or 0) // GIGABYTE)
    return {
        "ItemCollectionKey": {table.hash_name: item[table.hash_name]},
        "SizeEstimateRangeGB": [low, low + 1.0],
    }
