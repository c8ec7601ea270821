"""Stage 4: a bound, validated statement -> the wire request of a classic operation.

SELECT becomes Query (a partition key equality, with one sort-key condition as the key
condition), Scan (anything else) or, where one item must be named (batches and
transactions), GetItem. INSERT is PutItem with `attribute_not_exists` on the partition
key, UPDATE is UpdateItem requiring the item to exist, DELETE is DeleteItem, and
EXISTS(SELECT ...) a transaction's ConditionCheck. Running these through the provider's
own operations gives PartiQL the classic API's semantics, errors and storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lenticular.services.dynamodb import expressions as expr
from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.models import Table

from . import ast
from .render import Renderer
from .validate import (
    KeySchema,
    all_of,
    check_delete_returning,
    check_write_target,
    item_key,
    key_schema,
    mentions,
    sort_key_condition,
    split_key,
)

RETURN_VALUES = {
    "ALL OLD": "ALL_OLD",
    "ALL NEW": "ALL_NEW",
    "MODIFIED OLD": "UPDATED_OLD",
    "MODIFIED NEW": "UPDATED_NEW",
}
ORDER_NEEDS_HASH = (
    "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY"
    " clause."
)


@dataclass(slots=True)
class Local:
    """A filter and projection applied here, after the read (where the wire can't do it)."""

    filter: str | None
    projection: str | None
    names: dict[str, str]
    values: dict[str, dict[str, Any]]

    def apply(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ctx = expr.ExpressionContext(self.names or None, self.values or None)
        cond = ctx.filter(self.filter) if self.filter else None
        proj = ctx.projection(self.projection) if self.projection else None
        out = []
        for item in items:
            if cond is None or cond.matches(item):
                out.append(proj.apply(item) if proj is not None else item)
        return out


@dataclass(slots=True)
class Plan:
    kind: str  # "select", "insert", "update", "delete", "exists"
    operation: str  # provider method: query, scan, get_item, put_item, update_item, ...
    table: str
    params: dict[str, Any]  # the wire request
    local: Local | None = None  # for reads: what still has to be applied to the items
    key: dict[str, Any] = field(default_factory=dict)  # the item named, when there is one

    @property
    def is_read(self) -> bool:
        return self.kind == "select"


def plan(stmt: ast.Statement, table: Table, *, keyed_reads: bool = False) -> Plan:
    if isinstance(stmt, ast.Select):
        if keyed_reads:
            return plan_keyed_select(stmt, table)
        return plan_select(stmt, table)
    if isinstance(stmt, ast.Insert):
        return plan_insert(stmt, table)
    if isinstance(stmt, ast.Update):
        return plan_update(stmt, table)
    if isinstance(stmt, ast.Delete):
        return plan_delete(stmt, table)
    return plan_exists(stmt, table)


# -- reads ------------------------------------------------------------------------------------


def plan_select(stmt: ast.Select, table: Table) -> Plan:
    schema = key_schema(table, stmt.target.index)
    params: dict[str, Any] = {"TableName": table.name}
    if schema.index is not None:
        params["IndexName"] = schema.index
    terms = ast.conjuncts(stmt.where)
    key, rest = split_key(terms, (schema.hash_name,), (schema.hash_type,))
    if not key:  # no partition key equality: a Scan with the whole WHERE as its filter
        if stmt.order_by:
            raise ValidationException(ORDER_NEEDS_HASH)
        wire = Renderer()
        if stmt.where is not None:
            params["FilterExpression"] = wire.condition(stmt.where)
        if stmt.projection is not None:
            params["ProjectionExpression"] = wire.projection(stmt.projection)
        return Plan("select", "scan", table.name, wire.attach(params))
    sort_cond, rest = sort_key_condition(rest, schema)
    wire = Renderer()
    key_terms: list[ast.Cond] = [
        ast.Compare("=", ast.Path((schema.hash_name,)), ast.Literal(key[schema.hash_name]))
    ]
    if sort_cond is not None:
        key_terms.append(sort_cond)
    params["KeyConditionExpression"] = wire.condition(all_of(key_terms))  # type: ignore[arg-type]
    if _descending(stmt, schema):
        params["ScanIndexForward"] = False
    local = None
    key_names = set(schema.names) | set(table.key_names)
    if rest and mentions(rest, key_names):
        # Query filters may not name key attributes; PartiQL's WHERE may, so filter here.
        local = _local(rest, stmt.projection)
    else:
        if rest:
            params["FilterExpression"] = wire.condition(all_of(rest))  # type: ignore[arg-type]
        if stmt.projection is not None:
            params["ProjectionExpression"] = wire.projection(stmt.projection)
    return Plan("select", "query", table.name, wire.attach(params), local)


def _descending(stmt: ast.Select, schema: KeySchema) -> bool:
    descending = False
    for path, desc in stmt.order_by:
        if not path.is_top_level or path.top not in schema.names:
            raise ValidationException(
                "ORDER BY is only supported on the key attributes of the table or index"
            )
        if path.top == schema.range_name:
            descending = desc
    return descending


def _local(terms: list[ast.Cond], projection: tuple[ast.Path, ...] | None) -> Local:
    here = Renderer("l")
    cond = all_of(terms)
    filter_text = here.condition(cond) if cond is not None else None
    projection_text = here.projection(projection) if projection is not None else None
    return Local(filter_text, projection_text, here.names, here.values)


def plan_keyed_select(stmt: ast.Select, table: Table) -> Plan:
    """A SELECT naming one item (batches and transactions): GetItem."""
    schema = key_schema(table, None)
    key, rest = split_key(ast.conjuncts(stmt.where), schema.names)
    if stmt.target.index is not None or len(key) != len(schema.names):
        raise ValidationException(
            "Select statements within BatchExecuteStatement must specify the primary key in the"
            " where clause."
        )
    params: dict[str, Any] = {"TableName": table.name, "Key": key}
    local = None
    if rest:
        local = _local(rest, stmt.projection)
    elif stmt.projection is not None:
        wire = Renderer()
        params["ProjectionExpression"] = wire.projection(stmt.projection)
        wire.attach(params)
    return Plan("select", "get_item", table.name, params, local, key)


# -- writes -----------------------------------------------------------------------------------


def plan_insert(stmt: ast.Insert, table: Table) -> Plan:
    item = stmt.item
    if not isinstance(item, ast.Literal) or item.value is None or "M" not in item.value:
        raise ValidationException("Unsupported value: the VALUE of an INSERT must be a map")
    value = item.value["M"]
    wire = Renderer()
    not_there = ast.Is(ast.Path((table.hash_name,)), "MISSING", False)
    params = {
        "TableName": table.name,
        "Item": value,
        "ConditionExpression": wire.condition(not_there),
    }
    key = {name: value[name] for name in table.key_names if name in value}
    return Plan("insert", "put_item", table.name, wire.attach(params), key=key)


def _exists_and(table: Table, rest: list[ast.Cond]) -> ast.Cond:
    there: ast.Cond = ast.Is(ast.Path((table.hash_name,)), "MISSING", True)
    return all_of([there, *rest])  # type: ignore[return-value]


def plan_update(stmt: ast.Update, table: Table) -> Plan:
    check_write_target(stmt.target)
    key, rest = item_key(stmt.where, key_schema(table, None))
    wire = Renderer()
    params: dict[str, Any] = {
        "TableName": table.name,
        "Key": key,
        "UpdateExpression": wire.update(stmt.actions),
        # UPDATE never creates an item; other WHERE terms are conditions on it.
        "ConditionExpression": wire.condition(_exists_and(table, rest)),
    }
    if stmt.returning is not None:
        params["ReturnValues"] = RETURN_VALUES[stmt.returning]
    return Plan("update", "update_item", table.name, wire.attach(params), key=key)


def plan_delete(stmt: ast.Delete, table: Table) -> Plan:
    check_write_target(stmt.target)
    check_delete_returning(stmt.returning)
    key, rest = item_key(stmt.where, key_schema(table, None))
    params: dict[str, Any] = {"TableName": table.name, "Key": key}
    if rest:
        # Deleting an item that isn't there succeeds; one that is must match the rest.
        wire = Renderer()
        absent = ast.Is(ast.Path((table.hash_name,)), "MISSING", False)
        params["ConditionExpression"] = wire.condition(ast.Or(absent, all_of(rest)))  # type: ignore[arg-type]
        wire.attach(params)
    if stmt.returning is not None:
        params["ReturnValues"] = "ALL_OLD"
    return Plan("delete", "delete_item", table.name, params, key=key)


def plan_exists(stmt: ast.Exists, table: Table) -> Plan:
    select = stmt.select
    if select.target.index is not None:
        raise ValidationException("Reads on indices are not supported within transactions.")
    key, rest = item_key(select.where, key_schema(table, None))
    cond = _exists_and(table, rest)
    wire = Renderer()
    params = {
        "TableName": table.name,
        "Key": key,
        "ConditionExpression": wire.condition(ast.Not(cond) if stmt.negated else cond),
    }
    return Plan("exists", "condition_check", table.name, wire.attach(params), key=key)
