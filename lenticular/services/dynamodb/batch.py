"""BatchGetItem and BatchWriteItem.

Every key of a batch is validated before anything is read or written. A BatchWriteItem
is applied through `changes.Writer` in one transaction (stronger than DynamoDB, where
each write is atomic on its own); nothing is ever left unprocessed, so UnprocessedItems
is always empty. BatchGetItem reads up to 16 MB and leaves the rest in UnprocessedKeys.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
"""

from __future__ import annotations

from typing import Any

from lenticular.services.dynamodb.capacity import consumed, merge, read_units, write_units
from lenticular.services.dynamodb.changes import UNREAD, Writer, collection_metrics
from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.items import Action, expressions_of
from lenticular.services.dynamodb.store import DynamoDBStore, load_item
from lenticular.services.dynamodb.ttl import expired_now
from lenticular.services.dynamodb.values import check_item, check_values

DUPLICATES = "Provided list of item keys contains duplicates"
MAX_GET_KEYS = 100
MAX_WRITES = 25
MAX_GET_BYTES = 16 * 1024 * 1024


def batch_get_item(store: DynamoDBStore, params: dict[str, Any], get_table: Any) -> dict[str, Any]:
    """`get_table(name)` resolves a table (ResourceNotFoundException if missing)."""
    requests = params["RequestItems"]
    if sum(len(r.get("Keys", ())) for r in requests.values()) > MAX_GET_KEYS:
        raise ValidationException("Too many items requested for the BatchGetItem call")
    mode = params.get("ReturnConsumedCapacity")
    plans = []
    for name, request in requests.items():
        exprs = expressions_of(request, "BatchGetItem")
        table = get_table(name)
        seen: set[tuple[bytes, bytes]] = set()
        keys = []
        for key in request["Keys"]:
            check_values(key)
            store_key = table.key_of(key)
            if store_key in seen:
                raise ValidationException(DUPLICATES)
            seen.add(store_key)
            keys.append((key, store_key))
        plans.append((name, request, table, exprs, keys))
    responses: dict[str, list[Any]] = {}
    unprocessed: dict[str, Any] = {}
    capacities = []
    total = 0
    for name, request, table, exprs, keys in plans:
        found_items = responses.setdefault(name, [])
        consistent = bool(request.get("ConsistentRead"))
        units = 0.0
        left = []
        for key, store_key in keys:
            if total >= MAX_GET_BYTES:
                left.append(key)
                continue
            found = store.get(table.id, *store_key)
            size = found[1] if found is not None else 0
            total += size
            units += read_units(size, consistent)
            item = load_item(found[0]) if found is not None else None
            if item is not None and not expired_now(table, item):
                if exprs is not None and exprs.projection is not None:
                    item = exprs.projection.apply(item)
                found_items.append(item)
        if left:
            unprocessed[name] = {**request, "Keys": left}
        capacity = consumed(mode, table.name, units)
        if capacity is not None:
            capacities.append(capacity)
    out: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
    if capacities:
        out["ConsumedCapacity"] = capacities
    return out


def batch_write_item(
    store: DynamoDBStore, writer: Writer, params: dict[str, Any], get_table: Any
) -> dict[str, Any]:
    requests = params["RequestItems"]
    if sum(len(r) for r in requests.values()) > MAX_WRITES:
        raise ValidationException("Too many items requested for the BatchWriteItem call")
    actions: list[Action] = []
    for name, writes in requests.items():
        table = get_table(name)
        seen: set[tuple[bytes, bytes]] = set()
        for write in writes:
            if len(write) != 1:
                raise ValidationException(
                    "Supplied AttributeValue has more than one datatypes set, must contain"
                    " exactly one of the supported datatypes"
                    if not write else "Only one of PutRequest or DeleteRequest can be specified"
                )  # fmt: skip
            if "PutRequest" in write:
                item = write["PutRequest"]["Item"]
                size = check_item(item)
                action = Action.put(table, {"Item": item}, None, size)
            else:
                key = write["DeleteRequest"]["Key"]
                check_values(key)
                action = Action("Delete", table, {"Key": key}, None)
            store_key = (action.hash_key, action.range_key)
            if store_key in seen:
                raise ValidationException(DUPLICATES)
            seen.add(store_key)
            actions.append(action)
    mode = params.get("ReturnConsumedCapacity")
    want_capacity = mode is not None and mode != "NONE"
    changes = []
    for action in actions:
        old: Any = UNREAD
        old_size = 0
        if action.kind == "Delete" or want_capacity or writer.needs_old(action.table):
            old, old_size = action.read(store)
        new, size = action.new_item(old)
        changes.append(action.change(old, old_size, new, size))
    outcomes = writer.apply(changes)
    capacities: dict[str, Any] = {}
    metrics: dict[str, list[Any]] = {}
    for action, change, outcome in zip(actions, changes, outcomes, strict=True):
        table = action.table
        units = write_units(max(change.new_size, change.old_size))
        capacities[table.name] = merge(
            capacities.get(table.name), consumed(mode, table.name, units, outcome.index_units)
        )
        if params.get("ReturnItemCollectionMetrics") == "SIZE" and table.has_lsi:
            metrics.setdefault(table.name, []).append(
                collection_metrics(table, action.key, outcome.collection_size)
            )
    out: dict[str, Any] = {"UnprocessedItems": {}}
    if want_capacity:
        out["ConsumedCapacity"] = list(capacities.values())
    if metrics:
        out["ItemCollectionMetrics"] = metrics
    return out
