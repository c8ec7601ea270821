"""Running statements: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.

Each statement goes tokenize -> parse -> bind -> validate/plan (nothing touched yet), then
its plan runs through the provider's own wire operations (`query`, `put_item`,
`transact_write_items`, ...), so PartiQL shares the classic API's semantics, errors and
storage. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lenticular.errors import NotImplementedOperation, ServiceError
from lenticular.services.dynamodb.capacity import merge
from lenticular.services.dynamodb.errors import (
    ConditionalCheckFailedException,
    DuplicateItemException,
    TransactionCanceledException,
    ValidationException,
)
from lenticular.services.dynamodb.store import dump_item

from . import ast
from .bind import bind
from .paging import decode_token, encode_token, request_digest
from .parser import parse
from .plan import Plan, plan

if TYPE_CHECKING:
    from lenticular.context import RequestContext
    from lenticular.services.dynamodb.models import Table

DUPLICATE_ITEM = "Duplicate primary key exists in table"
MIXED_BATCH = "Read and write requests together in the same batch is not supported."
MIXED_TRANSACTION = (
    "ExecuteTransaction API does not support both read and write operations in the same request."
)
DUPLICATE_KEYS = "Provided list of item keys contains duplicates"
# BatchStatementError codes: the exception's code without "Exception".
_SHORT_CODES = {
    "ConditionalCheckFailedException": "ConditionalCheckFailed",
    "DuplicateItemException": "DuplicateItem",
    "ResourceNotFoundException": "ResourceNotFound",
    "ValidationException": "ValidationError",
    "TransactionConflictException": "TransactionConflict",
    "ProvisionedThroughputExceededException": "ProvisionedThroughputExceeded",
    "ItemCollectionSizeLimitExceededException": "ItemCollectionSizeLimitExceeded",
    "RequestLimitExceeded": "RequestLimitExceeded",
    "ThrottlingException": "ThrottlingError",
    "AccessDeniedException": "AccessDenied",
}

TableLookup = Callable[[str], "Table"]


def _target(stmt: ast.Statement) -> ast.Target:
    return stmt.select.target if isinstance(stmt, ast.Exists) else stmt.target


def _kind(stmt: ast.Statement) -> str:
    return type(stmt).__name__.lower()


def _mode(params: dict[str, Any]) -> str | None:
    mode = params.get("ReturnConsumedCapacity")
    return mode if mode is not None and mode != "NONE" else None


def _call(provider: Any, ctx: RequestContext, operation: str, params: dict[str, Any]) -> Any:
    method = getattr(provider, operation, None)
    if method is None:  # a provider operation PartiQL builds on is missing
        raise NotImplementedOperation("dynamodb", operation)
    return method(ctx, params)


# -- ExecuteStatement -------------------------------------------------------------------------


def execute_statement(
    provider: Any, ctx: RequestContext, params: dict[str, Any], table_of: TableLookup
) -> dict[str, Any]:
    text = params["Statement"]
    parameters = params.get("Parameters")
    stmt = bind(parse(text), parameters)
    if isinstance(stmt, ast.Exists):
        raise ValidationException("EXISTS statements are only supported in ExecuteTransaction")
    if "NextToken" in params and not isinstance(stmt, ast.Select):
        raise ValidationException("NextToken is only valid on a SELECT statement")
    p = plan(stmt, table_of(_target(stmt).table))
    wire = dict(p.params)
    mode = _mode(params)
    if mode is not None:
        wire["ReturnConsumedCapacity"] = mode
    if p.is_read:
        return _read(provider, ctx, p, wire, params, request_digest(text, parameters))
    return _write(provider, ctx, p, wire, params.get("ReturnValuesOnConditionCheckFailure"))


def _read(
    provider: Any,
    ctx: RequestContext,
    p: Plan,
    wire: dict[str, Any],
    params: dict[str, Any],
    digest: str,
) -> dict[str, Any]:
    for name in ("Limit", "ConsistentRead"):
        if name in params:
            wire[name] = params[name]
    if "NextToken" in params:
        wire["ExclusiveStartKey"] = decode_token(params["NextToken"], digest)
    out = _call(provider, ctx, p.operation, wire)
    items = out.get("Items", [])
    if p.local is not None:
        items = p.local.apply(items)
    result: dict[str, Any] = {"Items": items}
    last = out.get("LastEvaluatedKey")
    if last is not None:
        result["NextToken"] = encode_token(digest, last)
        result["LastEvaluatedKey"] = last
    if "ConsumedCapacity" in out:
        result["ConsumedCapacity"] = out["ConsumedCapacity"]
    return result


def _write(
    provider: Any, ctx: RequestContext, p: Plan, wire: dict[str, Any], on_failure: str | None
) -> dict[str, Any]:
    if on_failure is not None and p.kind != "insert":
        wire["ReturnValuesOnConditionCheckFailure"] = on_failure
    try:
        out = _call(provider, ctx, p.operation, wire)
    except ConditionalCheckFailedException:
        if p.kind == "insert":
            raise DuplicateItemException(DUPLICATE_ITEM) from None
        raise
    result: dict[str, Any] = {"Items": [out["Attributes"]] if "Attributes" in out else []}
    if "ConsumedCapacity" in out:
        result["ConsumedCapacity"] = out["ConsumedCapacity"]
    return result


# -- BatchExecuteStatement --------------------------------------------------------------------


def _item_identity(p: Plan) -> tuple[str, bytes]:
    return p.table, dump_item(dict(sorted(p.key.items())))


def batch_execute_statement(
    provider: Any, ctx: RequestContext, params: dict[str, Any], table_of: TableLookup
) -> dict[str, Any]:
    requests = params["Statements"]
    parsed: list[ast.Statement | ServiceError] = []
    for request in requests:
        try:
            parsed.append(bind(parse(request["Statement"]), request.get("Parameters")))
        except ServiceError as error:
            parsed.append(error)
    kinds = {isinstance(s, ast.Select) for s in parsed if not isinstance(s, ServiceError)}
    if len(kinds) > 1:
        raise ValidationException(MIXED_BATCH)
    plans: list[Plan | ServiceError] = []
    for stmt in parsed:
        if isinstance(stmt, ServiceError):
            plans.append(stmt)
            continue
        try:
            if isinstance(stmt, ast.Exists):
                raise ValidationException(
                    "EXISTS statements are only supported in ExecuteTransaction"
                )
            plans.append(plan(stmt, table_of(_target(stmt).table), keyed_reads=True))
        except ServiceError as error:
            plans.append(error)
    seen: set[tuple[str, bytes]] = set()
    for p in plans:
        if isinstance(p, Plan) and p.key:
            identity = _item_identity(p)
            if identity in seen:
                raise ValidationException(DUPLICATE_KEYS)
            seen.add(identity)
    mode = _mode(params)
    capacity: dict[str, dict[str, Any]] = {}
    responses = [
        _batch_member(provider, ctx, p, request, mode, capacity)
        for p, request in zip(plans, requests, strict=True)
    ]
    out: dict[str, Any] = {"Responses": responses}
    if mode is not None:
        out["ConsumedCapacity"] = list(capacity.values())
    return out


def _batch_member(
    provider: Any,
    ctx: RequestContext,
    p: Plan | ServiceError,
    request: dict[str, Any],
    mode: str | None,
    capacity: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    if isinstance(p, ServiceError):
        return {"Error": _batch_error(p)}
    wire = dict(p.params)
    if mode is not None:
        wire["ReturnConsumedCapacity"] = mode
    try:
        if p.is_read:
            if request.get("ConsistentRead"):
                wire["ConsistentRead"] = True
            out = _call(provider, ctx, p.operation, wire)
            items = [out["Item"]] if "Item" in out else []
            if p.local is not None:
                items = p.local.apply(items)
        else:
            out = _write(provider, ctx, p, wire, request.get("ReturnValuesOnConditionCheckFailure"))
            items = out["Items"]
    except ServiceError as error:
        response: dict[str, Any] = {"Error": _batch_error(error)}
        if response["Error"]["Code"] != "ValidationError":
            response["TableName"] = p.table
        return response
    used = out.get("ConsumedCapacity")
    if used is not None:
        capacity[p.table] = merge(capacity.get(p.table), dict(used))  # type: ignore[assignment]
    member: dict[str, Any] = {"TableName": p.table}
    if items:
        member["Item"] = items[0]
    return member


def _batch_error(error: ServiceError) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Code": _SHORT_CODES.get(error.code, "InternalServerError"),
        "Message": error.message,
    }
    if "Item" in error.fields:
        out["Item"] = error.fields["Item"]
    return out


# -- ExecuteTransaction -----------------------------------------------------------------------

_TRANSACT_ACTIONS = {
    "insert": "Put",
    "update": "Update",
    "delete": "Delete",
    "exists": "ConditionCheck",
}


def execute_transaction(
    provider: Any, ctx: RequestContext, params: dict[str, Any], table_of: TableLookup
) -> dict[str, Any]:
    requests = params["TransactStatements"]
    statements = [bind(parse(r["Statement"]), r.get("Parameters")) for r in requests]
    for i, stmt in enumerate(statements):
        if isinstance(stmt, (ast.Update, ast.Delete)) and stmt.returning is not None:
            raise ValidationException(
                f"Validation failed in TransactStatements[{i}]: RETURNING clause is not"
                " supported in ExecuteTransaction."
            )
        if isinstance(stmt, (ast.Select, ast.Exists)) and _target(stmt).index is not None:
            raise ValidationException(
                f"Validation failed in TransactStatements[{i}]: Reads on indices are not"
                " supported within transactions."
            )
    reads = sum(isinstance(s, ast.Select) for s in statements)
    if 0 < reads < len(statements):
        raise ValidationException(MIXED_TRANSACTION)
    plans = [plan(s, table_of(_target(s).table), keyed_reads=True) for s in statements]
    mode = _mode(params)
    if reads:
        return _transact_reads(provider, ctx, plans, mode)
    items = []
    for p, request in zip(plans, requests, strict=True):
        action = {k: v for k, v in p.params.items() if k != "ReturnValues"}
        on_failure = request.get("ReturnValuesOnConditionCheckFailure")
        if on_failure is not None and p.kind != "insert":
            action["ReturnValuesOnConditionCheckFailure"] = on_failure
        items.append({_TRANSACT_ACTIONS[p.kind]: action})
    wire: dict[str, Any] = {"TransactItems": items}
    if "ClientRequestToken" in params:
        wire["ClientRequestToken"] = params["ClientRequestToken"]
    if mode is not None:
        wire["ReturnConsumedCapacity"] = mode
    try:
        out = _call(provider, ctx, "transact_write_items", wire)
    except TransactionCanceledException as error:
        raise _with_duplicate_reasons(error, plans) from None
    result: dict[str, Any] = {"Responses": [{} for _ in plans]}
    if "ConsumedCapacity" in out:
        result["ConsumedCapacity"] = out["ConsumedCapacity"]
    return result


def _transact_reads(
    provider: Any, ctx: RequestContext, plans: list[Plan], mode: str | None
) -> dict[str, Any]:
    wire: dict[str, Any] = {"TransactItems": [{"Get": p.params} for p in plans]}
    if mode is not None:
        wire["ReturnConsumedCapacity"] = mode
    out = _call(provider, ctx, "transact_get_items", wire)
    responses = []
    for p, response in zip(plans, out.get("Responses", []), strict=False):
        items = [response["Item"]] if "Item" in response else []
        if p.local is not None:
            items = p.local.apply(items)
        responses.append({"Item": items[0]} if items else {})
    result: dict[str, Any] = {"Responses": responses}
    if "ConsumedCapacity" in out:
        result["ConsumedCapacity"] = out["ConsumedCapacity"]
    return result


def _with_duplicate_reasons(
    error: TransactionCanceledException, plans: list[Plan]
) -> TransactionCanceledException:
    """An INSERT whose item exists fails as DuplicateItem, not ConditionalCheckFailed."""
    reasons = error.fields.get("CancellationReasons")
    if not reasons:
        return error
    changed = False
    fixed = []
    for p, reason in zip(plans, reasons, strict=False):
        if p.kind == "insert" and reason.get("Code") == "ConditionalCheckFailed":
            reason = {"Code": "DuplicateItem", "Message": DUPLICATE_ITEM}
            changed = True
        fixed.append(reason)
    if not changed:
        return error
    codes = ", ".join(r.get("Code", "None") for r in fixed)
    return TransactionCanceledException(
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        fields={**error.fields, "CancellationReasons": fixed},
    )
