"""TransactGetItems and TransactWriteItems: all-or-nothing over up to 100 items.

A write transaction runs in stages, as DynamoDB's do: the expressions of every action
are parsed (an error there is a ValidationException for the whole request), then each
action's key and item are validated (the first failure cancels the transaction with a
"ValidationError" reason), then every condition is evaluated against the current items
(failures cancel with "ConditionalCheckFailed" reasons, one reason per action, in
order), and only then are all changes applied through `changes.Writer` in one SQLite
transaction. Providers run one at a time on the event loop, so nothing can interleave
between the checks and the write: transactions are serializable and never seen half-done.

A ClientRequestToken makes TransactWriteItems idempotent for 10 minutes: the digest of the
request and its response are stored in the same transaction as the writes.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import orjson

from lenticular.services.dynamodb.capacity import consumed, merge, read_units, write_units
from lenticular.services.dynamodb.changes import Writer, collection_metrics
from lenticular.services.dynamodb.errors import (
    IdempotentParameterMismatchException,
    TransactionCanceledException,
    ValidationException,
)
from lenticular.services.dynamodb.items import CONDITION_FAILED, Action, expressions_of
from lenticular.services.dynamodb.store import DynamoDBStore, load_item
from lenticular.services.dynamodb.ttl import expired_now
from lenticular.services.dynamodb.values import check_item, check_values

ONE_ITEM = "Transaction request cannot include multiple operations on one item"
MAX_BYTES = 4 * 1024 * 1024
TOKEN_LIFETIME = 600.0
_KINDS = ("ConditionCheck", "Put", "Delete", "Update")


def _cancelled(reasons: list[dict[str, Any]]) -> TransactionCanceledException:
    codes = ", ".join(r["Code"] for r in reasons)
    return TransactionCanceledException(
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        fields={"CancellationReasons": reasons},
    )


def _check_duplicates(keys: list[tuple[int, bytes, bytes]]) -> None:
    if len(set(keys)) != len(keys):
        raise ValidationException(ONE_ITEM)


# -- TransactGetItems ---------------------------------------------------------------------


def transact_get_items(
    store: DynamoDBStore, params: dict[str, Any], get_table: Any
) -> dict[str, Any]:
    gets = []
    for entry in params["TransactItems"]:
        get = entry["Get"]
        exprs = expressions_of(get, "TransactGetItems")
        check_values(get["Key"])
        table = get_table(get["TableName"])
        gets.append((table, table.key_of(get["Key"]), exprs))
    _check_duplicates([(t.id, *k) for t, k, _ in gets])
    mode = params.get("ReturnConsumedCapacity")
    capacities: dict[str, Any] = {}
    responses = []
    total = 0
    for table, key, exprs in gets:
        found = store.get(table.id, *key)
        size = found[1] if found is not None else 0
        total += size
        units = read_units(size, True) * 2  # transactional reads cost double
        capacities[table.name] = merge(
            capacities.get(table.name), consumed(mode, table.name, units)
        )
        item = load_item(found[0]) if found is not None else None
        if item is None or expired_now(table, item):
            responses.append({})
            continue
        if exprs is not None and exprs.projection is not None:
            item = exprs.projection.apply(item)
        responses.append({"Item": item})
    if total > MAX_BYTES:
        raise ValidationException("Transaction size cannot exceed 4 MB")
    out: dict[str, Any] = {"Responses": responses}
    if mode is not None and mode != "NONE":
        out["ConsumedCapacity"] = list(capacities.values())
    return out


# -- TransactWriteItems -------------------------------------------------------------------


def _digest(params: dict[str, Any]) -> bytes:
    body = {k: v for k, v in params.items() if k != "ClientRequestToken"}
    return hashlib.sha256(
        orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=lambda b: bytes(b).hex())
    ).digest()


def transact_write_items(
    store: DynamoDBStore,
    writer: Writer,
    params: dict[str, Any],
    get_table: Any,
    scope: tuple[str, str],
) -> dict[str, Any]:
    """`scope` is (account, region): where ClientRequestTokens are unique."""
    token = params.get("ClientRequestToken")
    digest = b""
    if token is not None:
        digest = _digest(params)
        previous = store.find_token(*scope, token, time.time() - TOKEN_LIFETIME)
        if previous is not None:
            if previous[0] != digest:
                raise IdempotentParameterMismatchException(
                    "Request parameters do not match the parameters of a previous request"
                    " with the same ClientRequestToken"
                )
            return orjson.loads(previous[1])
    # Stage 1: expressions and tables (errors fail the whole request).
    staged = []
    for entry in params["TransactItems"]:
        kinds = [k for k in _KINDS if k in entry]
        if len(kinds) != 1:
            raise ValidationException(
                "TransactItems can only contain one of Check, Put, Update or Delete"
            )
        kind = kinds[0]
        body = entry[kind]
        exprs = expressions_of(body, kind)
        staged.append((kind, body, exprs, get_table(body["TableName"])))
    # Stage 2: keys and items (the first failure is the only ValidationError reason).
    actions: list[Action] = []
    size = 0
    for position, (kind, body, exprs, table) in enumerate(staged):
        try:
            if kind == "Put":
                item_size = check_item(body["Item"])
                size += item_size
                action = Action.put(table, body, exprs, item_size)
            else:
                check_values(body["Key"])
                action = Action(kind, table, body, exprs)
        except ValidationException as error:
            reasons = [{"Code": "None"} for _ in staged]
            reasons[position] = {"Code": "ValidationError", "Message": error.message}
            raise _cancelled(reasons) from None
        actions.append(action)
    if size > MAX_BYTES:
        raise ValidationException("Transaction size cannot exceed 4 MB")
    _check_duplicates([(a.table.id, a.hash_key, a.range_key) for a in actions])
    # Stage 3: conditions and new items against the current state.
    olds = [action.read(store) for action in actions]
    reasons: list[dict[str, Any]] = []
    failed = False
    changes = []
    for action, (old, old_size) in zip(actions, olds, strict=True):
        reason: dict[str, Any] = {"Code": "None"}
        if action.failed(old):
            failed = True
            reason = {"Code": "ConditionalCheckFailed", "Message": CONDITION_FAILED}
            if old is not None and action.params.get("ReturnValuesOnConditionCheckFailure") == (
                "ALL_OLD"
            ):
                reason["Item"] = old
        elif action.kind != "ConditionCheck" and not failed:
            try:
                new, new_size = action.new_item(old)
                change = action.change(old, old_size, new, new_size)
                writer.check(change)
                changes.append((action, change))
            except ValidationException as error:
                failed = True
                reason = {"Code": "ValidationError", "Message": error.message}
        reasons.append(reason)
    if failed:
        raise _cancelled(reasons)
    # Stage 4: everything in one transaction.
    out: dict[str, Any] = {}

    def respond(conn: Any, outcomes: list[Any]) -> None:  # inside the write transaction
        out.update(_response(params, changes, outcomes, actions))
        if token is not None:
            store.save_token(conn, *scope, token, digest, orjson.dumps(out), time.time())

    writer.apply([change for _, change in changes], also=respond)
    return out


def _response(
    params: dict[str, Any], changes: list[Any], outcomes: list[Any], actions: list[Action]
) -> dict[str, Any]:
    mode = params.get("ReturnConsumedCapacity")
    capacities: dict[str, Any] = {}
    metrics: dict[str, list[Any]] = {}
    for (action, change), outcome in zip(changes, outcomes, strict=True):
        table = action.table
        units = 2 * write_units(max(change.new_size, change.old_size))
        capacities[table.name] = merge(
            capacities.get(table.name), consumed(mode, table.name, units, outcome.index_units)
        )
        if params.get("ReturnItemCollectionMetrics") == "SIZE" and table.has_lsi:
            metrics.setdefault(table.name, []).append(
                collection_metrics(table, action.key, outcome.collection_size)
            )
    for action in actions:  # condition checks read
        if action.kind == "ConditionCheck":
            table = action.table
            capacities[table.name] = merge(
                capacities.get(table.name), consumed(mode, table.name, 2.0)
            )
    out: dict[str, Any] = {}
    if mode is not None and mode != "NONE":
        out["ConsumedCapacity"] = list(capacities.values())
    if metrics:
        out["ItemCollectionMetrics"] = metrics
    return out
