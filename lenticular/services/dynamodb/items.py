"""Single-item reads and writes: PutItem, GetItem, UpdateItem, DeleteItem.

Each operation validates everything (values, expressions, key) before it touches the
store, then reads the old item only when something needs it (a condition, old values to
return, capacity to report, an update to apply), and writes in one transaction. Provider
methods run one at a time on the event loop, so read-check-write is atomic.
"""

from __future__ import annotations

from typing import Any

from lenticular.services.dynamodb import expressions as expr
from lenticular.services.dynamodb.capacity import consumed, read_units, write_units
from lenticular.services.dynamodb.errors import ConditionalCheckFailedException, ValidationException
from lenticular.services.dynamodb.models import Table
from lenticular.services.dynamodb.store import DynamoDBStore, dump_item, load_item
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


def _expressions(params: dict[str, Any], operation: str) -> Expressions | None:
    if _EXPRESSION_PARAMS.isdisjoint(params):
        return None
    return Expressions(params, operation)


def _old_only(params: dict[str, Any]) -> bool:
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


class ItemEngine:
    def __init__(self, store: DynamoDBStore) -> None:
        self.store = store

    # -- helpers ------------------------------------------------------------------------------

    def _check(self, cond: Any, old: dict[str, Any] | None, params: dict[str, Any]) -> None:
        if cond is not None and not cond.matches(old if old is not None else {}):
            fields = None
            if old is not None and params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
                fields = {"Item": old}
            raise ConditionalCheckFailedException(CONDITION_FAILED, fields=fields)

    # -- PutItem ------------------------------------------------------------------------------

    def put_item(self, params: dict[str, Any], get_table: Any) -> dict[str, Any]:
        want_old = _old_only(params)
        item = params["Item"]
        size = check_item(item)
        exprs = _expressions(params, "PutItem")
        table: Table = get_table()
        hash_key, range_key = table.item_key(item)
        check_size(size)
        cond = exprs.condition if exprs is not None else None
        mode = params.get("ReturnConsumedCapacity")
        old = None
        old_size = 0
        if cond is not None or want_old or (mode is not None and mode != "NONE"):
            found = self.store.get(table.id, hash_key, range_key)
            if found is not None:
                old, old_size = load_item(found[0]), found[1]
            self._check(cond, old, params)
        self.store.put(table.id, hash_key, range_key, dump_item(item), size)
        out: dict[str, Any] = {}
        if want_old and old is not None:
            out["Attributes"] = old
        capacity = consumed(mode, table.name, write_units(max(size, old_size)))
        if capacity is not None:
            out["ConsumedCapacity"] = capacity
        return out

    # -- GetItem ------------------------------------------------------------------------------

    def get_item(self, params: dict[str, Any], get_table: Any) -> dict[str, Any]:
        key = params["Key"]
        check_values(key)
        exprs = _expressions(params, "GetItem")
        table = get_table()
        hash_key, range_key = table.key_of(key)
        found = self.store.get(table.id, hash_key, range_key)
        out: dict[str, Any] = {}
        size = 0
        if found is not None:
            item = load_item(found[0])
            size = found[1]
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
        want_old = _old_only(params)
        key = params["Key"]
        check_values(key)
        exprs = _expressions(params, "DeleteItem")
        table = get_table()
        hash_key, range_key = table.key_of(key)
        found = self.store.get(table.id, hash_key, range_key)
        old = load_item(found[0]) if found is not None else None
        self._check(exprs.condition if exprs is not None else None, old, params)
        if found is not None:
            self.store.delete(table.id, hash_key, range_key)
        out: dict[str, Any] = {}
        if want_old and old is not None:
            out["Attributes"] = old
        capacity = consumed(
            params.get("ReturnConsumedCapacity"),
            table.name,
            write_units(found[1] if found is not None else 0),
        )
        if capacity is not None:
            out["ConsumedCapacity"] = capacity
        return out

    # -- UpdateItem ---------------------------------------------------------------------------

    def update_item(self, params: dict[str, Any], get_table: Any) -> dict[str, Any]:
        key = params["Key"]
        check_values(key)
        exprs = _expressions(params, "UpdateItem")
        table = get_table()
        hash_key, range_key = table.key_of(key)
        update = exprs.update if exprs is not None else None
        if update is not None:
            for name in table.key_names:
                if name in update.touched_top_level:
                    raise ValidationException(
                        f"{INVALID}Cannot update attribute {name}. This attribute is part of the key"
                    )
        found = self.store.get(table.id, hash_key, range_key)
        old = load_item(found[0]) if found is not None else None
        self._check(exprs.condition if exprs is not None else None, old, params)
        base = load_item(found[0]) if found is not None else dict(key)
        new = update.apply(base) if update is not None else base
        size = check_item(new)
        check_size(size, update=True)
        self.store.put(table.id, hash_key, range_key, dump_item(new), size)
        out: dict[str, Any] = {}
        mode = params.get("ReturnValues")
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
        capacity = consumed(
            params.get("ReturnConsumedCapacity"),
            table.name,
            write_units(max(size, found[1] if found is not None else 0)),
        )
        if capacity is not None:
            out["ConsumedCapacity"] = capacity
        return out
