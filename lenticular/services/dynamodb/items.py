"""Single-item reads and writes: PutItem, GetItem, UpdateItem, DeleteItem, and the
`Action` they share with BatchWriteItem and TransactWriteItems.

Each operation validates everything (values, expressions, key) before it touches the
store, then reads the old item only when something needs it (a condition, old values to
return, capacity to report, an update to apply, indexes or observers to maintain), and
writes through `changes.Writer` in one transaction. Provider methods run one at a time
on the event loop, so read-check-write is atomic.
"""

from __future__ import annotations

from typing import Any

from lenticular.services.dynamodb import expressions as expr
from lenticular.services.dynamodb.capacity import consumed, read_units, write_units
from lenticular.services.dynamodb.changes import (
    NOTHING_ELSE,
    UNREAD,
    Change,
    Outcome,
    Writer,
    collection_metrics,
)
from lenticular.services.dynamodb.errors import ConditionalCheckFailedException, ValidationException
from lenticular.services.dynamodb.models import Table
from lenticular.services.dynamodb.store import DynamoDBStore, load_item, wire_item
from lenticular.services.dynamodb.ttl import expired_now
from lenticular.services.dynamodb.values import (
    INVALID,
    check_item,
    check_size,
    check_values,
)

CONDITION_FAILED = "The conditional request failed"
# Parameters that need the expression machinery; a request without any skips it.
_EXPRESSION_PARAMS = frozenset(
    ("ConditionExpression", "UpdateExpression", "ProjectionExpression", "Expected",
     "AttributeUpdates", "AttributesToGet", "ConditionalOperator", "ExpressionAttributeNames",
     "ExpressionAttributeValues")
)  # fmt: skip


def expressions_of(params: dict[str, Any], operation: str) -> Expressions | None:
    if _EXPRESSION_PARAMS.isdisjoint(params):
        return None
    return Expressions(params, operation)


def old_only(params: dict[str, Any]) -> bool:
    """ReturnValues of PutItem/DeleteItem: NONE or ALL_OLD only."""
    mode = params.get("ReturnValues")
    if mode is not None and mode != "NONE" and mode != "ALL_OLD":
        raise ValidationException("ReturnValues can only be ALL_OLD or NONE")
    return mode == "ALL_OLD"


class Expressions:
    """The parsed expressions of one request (None where the request has none)."""

    __slots__ = ("condition", "update", "projection")

    def __init__(self, params: dict[str, Any], operation: str) -> None:
        self.condition: Any = None
        self.update: Any = None
        self.projection: Any = None
        expr.check_no_mixing(params, operation)
        ctx = expr.ExpressionContext(
            params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues")
        )
        operator = params.get("ConditionalOperator")
        if "ConditionExpression" in params:
            self.condition = ctx.condition(params["ConditionExpression"])
        elif "Expected" in params:
            self.condition = expr.legacy_condition(params["Expected"], operator)
        if "UpdateExpression" in params:
            self.update = ctx.update(params["UpdateExpression"])
        elif "AttributeUpdates" in params:
            self.update = expr.legacy_update(params["AttributeUpdates"])
        if "ProjectionExpression" in params:
            self.projection = ctx.projection(params["ProjectionExpression"])
        elif "AttributesToGet" in params:
            self.projection = expr.legacy_projection(params["AttributesToGet"])
        ctx.finish()


class Action:
    """One item write validated against its table (key, expressions, new item for a
    Put), decided later against the old item: `failed(old)`, then `new_item(old)`."""

    __slots__ = ("kind", "table", "hash_key", "range_key", "key", "item", "size", "condition",
                 "update", "params")  # fmt: skip

    def __init__(self, kind: str, table: Table, params: dict[str, Any], exprs: Any) -> None:
        self.kind = kind  # "Put", "Update", "Delete" or "ConditionCheck"
        self.table = table
        self.params = params
        self.condition = exprs.condition if exprs is not None else None
        self.update = exprs.update if exprs is not None else None
        self.item: dict[str, Any] | None = None
        self.size = 0
        if kind == "Put":
            self.item = params["Item"]
            self.hash_key, self.range_key = table.item_key(self.item)
            self.key = table.key_attributes(self.item)
        else:
            self.key = params["Key"]
            self.hash_key, self.range_key = table.key_of(self.key)
        if self.update is not None:
            for name in table.key_names:
                if name in self.update.touched_top_level:
                    raise ValidationException(
                        f"{INVALID}Cannot update attribute {name}. This attribute is part of the key"
                    )

    @classmethod
    def put(cls, table: Table, params: dict[str, Any], exprs: Any, size: int) -> Action:
        action = cls("Put", table, params, exprs)
        check_size(size)
        action.size = size
        for index in table.indexes:
            index.entry_key(params["Item"])
        return action

    def read(self, store: DynamoDBStore) -> tuple[dict[str, Any] | None, int]:
        found = store.get(self.table.id, self.hash_key, self.range_key)
        return (load_item(found[0]), found[1]) if found is not None else (None, 0)

    def failed(self, old: dict[str, Any] | None) -> bool:
        cond = self.condition
        return cond is not None and not cond.matches(old if old is not None else {})

    def new_item(self, old: dict[str, Any] | None) -> tuple[dict[str, Any] | None, int]:
        """The item after this write (None: deleted), and its size."""
        if self.kind == "Put":
            return self.item, self.size
        if self.kind == "Delete":
            return None, 0
        if old is None and self.update is not None and _only_removes(self.update.tree):
            return None, 0  # DynamoDB creates no item for an update that only removes
        base = old if old is not None else dict(self.key)
        new = self.update.apply(base) if self.update is not None else base
        size = check_item(new)
        check_size(size, update=True)
        return new, size

    def change(self, old: Any, old_size: int, new: Any, new_size: int) -> Change:
        return Change(self.table, self.hash_key, self.range_key, old, old_size, new, new_size)


def _only_removes(tree: Any) -> bool:
    """Whether an update only removes attributes or set elements (REMOVE, DELETE): on a
    missing item it creates nothing, not even the key (UpdateItem, "Update" in AWS's docs)."""
    return not tree.sets and not tree.adds and bool(tree.removes or tree.deletes)


def condition_failed(params: dict[str, Any], old: dict[str, Any] | None) -> Exception:
    fields = None
    if old is not None and params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
        fields = {"Item": old}
    return ConditionalCheckFailedException(CONDITION_FAILED, fields=fields)


def write_extras(
    out: dict[str, Any], action: Action, outcome: Outcome, units: float, item: dict[str, Any]
) -> dict[str, Any]:
    """Add ConsumedCapacity and ItemCollectionMetrics of one write to `out`."""
    params, table = action.params, action.table
    if "ReturnConsumedCapacity" not in params and "ReturnItemCollectionMetrics" not in params:
        return out  # neither asked for (the common case)
    capacity = consumed(
        params.get("ReturnConsumedCapacity"), table.name, units, outcome.index_units
    )
    if capacity is not None:
        out["ConsumedCapacity"] = capacity
    if params.get("ReturnItemCollectionMetrics") == "SIZE" and table.has_lsi:
        out["ItemCollectionMetrics"] = collection_metrics(table, item, outcome.collection_size)
    return out


class ItemEngine:
    def __init__(self, store: DynamoDBStore, writer: Writer) -> None:
        self.store = store
        self.writer = writer

    # -- PutItem ------------------------------------------------------------------------------

    def put_item(self, params: dict[str, Any], get_table: Any) -> dict[str, Any]:
        want_old = old_only(params)
        item = params["Item"]
        size = check_item(item)
        exprs = expressions_of(params, "PutItem")
        table: Table = get_table()
        action = Action.put(table, params, exprs, size)
        mode = params.get("ReturnConsumedCapacity")
        old: Any = UNREAD
        old_size = 0
        writer = self.writer
        alone = writer.alone(table)
        if (
            action.condition is not None
            or want_old
            or (mode is not None and mode != "NONE")
            or (not alone and writer.needs_old(table))
        ):
            old, old_size = action.read(self.store)
            if action.failed(old):
                raise condition_failed(params, old)
        if alone:
            writer.put_alone(table, action.hash_key, action.range_key, item, size)
            outcome = NOTHING_ELSE
        else:
            outcome = writer.apply([action.change(old, old_size, item, size)])[0]
        out: dict[str, Any] = {}
        if want_old and old is not None and old is not UNREAD:
            out["Attributes"] = old
        return write_extras(out, action, outcome, write_units(max(size, old_size)), item)

    # -- GetItem ------------------------------------------------------------------------------

    def get_item(
        self, params: dict[str, Any], get_table: Any, wire: bool = False
    ) -> dict[str, Any]:
        """GetItem; with `wire` (the result goes straight to the response) an item that
        needs no projection or expiry check is passed on as its stored JSON."""
        key = params["Key"]
        check_values(key)
        exprs = expressions_of(params, "GetItem")
        table = get_table()
        hash_key, range_key = table.key_of(key)
        found = self.store.get(table.id, hash_key, range_key)
        out: dict[str, Any] = {}
        size = 0
        item: Any = None
        if found is not None:
            if wire and exprs is None and not table.description.get("_ttl"):
                item = wire_item(found[0])
            else:
                item = load_item(found[0])
        if item is not None and expired_now(table, item):
            item = None  # expired: gone for readers, the sweeper deletes it
        if item is not None:
            size = found[1]  # type: ignore[index]
            if exprs is not None and exprs.projection is not None:
                item = exprs.projection.apply(item)
            out["Item"] = item
        mode = params.get("ReturnConsumedCapacity")
        if mode is not None and mode != "NONE":
            out["ConsumedCapacity"] = consumed(
                mode, table.name, read_units(size, bool(params.get("ConsistentRead")))
            )
        return out

    # -- DeleteItem ---------------------------------------------------------------------------

    def delete_item(self, params: dict[str, Any], get_table: Any) -> dict[str, Any]:
        want_old = old_only(params)
        check_values(params["Key"])
        exprs = expressions_of(params, "DeleteItem")
        action = Action("Delete", get_table(), params, exprs)
        old, old_size = action.read(self.store)
        if action.failed(old):
            raise condition_failed(params, old)
        outcome = Outcome()
        if old is not None:
            outcome = self.writer.apply([action.change(old, old_size, None, 0)])[0]
        out: dict[str, Any] = {}
        if want_old and old is not None:
            out["Attributes"] = old
        return write_extras(out, action, outcome, write_units(old_size), old or action.key)

    # -- UpdateItem ---------------------------------------------------------------------------

    def update_item(self, params: dict[str, Any], get_table: Any) -> dict[str, Any]:
        check_values(params["Key"])
        exprs = expressions_of(params, "UpdateItem")
        action = Action("Update", get_table(), params, exprs)
        old, old_size = action.read(self.store)
        if action.failed(old):
            raise condition_failed(params, old)
        new, size = action.new_item(old)
        if new is None:  # REMOVE/DELETE only, on a missing item: nothing to write
            return write_extras({}, action, Outcome(), write_units(0), action.key)
        outcome = self.writer.apply([action.change(old, old_size, new, size)])[0]
        out: dict[str, Any] = {}
        mode = params.get("ReturnValues")
        update = action.update
        if mode == "ALL_NEW":
            out["Attributes"] = new
        elif mode == "ALL_OLD":
            if old is not None:
                out["Attributes"] = old
        elif mode == "UPDATED_NEW" and update is not None:
            out["Attributes"] = update.updated_paths_view(new)
        elif mode == "UPDATED_OLD" and update is not None and old is not None:
            out["Attributes"] = update.updated_paths_view(old)
        if "Attributes" in out and not out["Attributes"]:
            del out["Attributes"]
        return write_extras(out, action, outcome, write_units(max(size, old_size)), new)
