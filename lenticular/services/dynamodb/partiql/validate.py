"""Stage 3b: check a bound statement against its table's key schema, and split its WHERE.

A WHERE clause is read as a chain of AND-ed terms. Equalities between a key attribute and
a value identify an item (or a partition); one condition on the sort key can become a
Query key condition; every other term stays a condition evaluated on the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lenticular.services.dynamodb.errors import ValidationException
from lenticular.services.dynamodb.models import Table

from . import ast

MANDATORY_KEY = "Where clause does not contain a mandatory equality on all key attributes"
NOT_ON_INDEX = "This operation is not supported on an index"
_SORT_OPS = frozenset(("=", "<", "<=", ">", ">="))
_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True, slots=True)
class KeySchema:
    hash_name: str
    hash_type: str
    range_name: str | None
    range_type: str | None
    index: str | None  # None: the table itself

    @property
    def names(self) -> tuple[str, ...]:
        return (self.hash_name,) if self.range_name is None else (self.hash_name, self.range_name)


def key_schema(table: Table, index: str | None) -> KeySchema:
    if index is None:
        return KeySchema(table.hash_name, table.hash_type, table.range_name, table.range_type, None)
    description = table.description
    types = {a["AttributeName"]: a["AttributeType"] for a in description["AttributeDefinitions"]}
    for group in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for entry in description.get(group, ()):
            if entry["IndexName"] != index:
                continue
            hash_name = range_name = None
            for element in entry["KeySchema"]:
                if element["KeyType"] == "HASH":
                    hash_name = element["AttributeName"]
                else:
                    range_name = element["AttributeName"]
            assert hash_name is not None
            return KeySchema(
                hash_name, types[hash_name], range_name,
                types[range_name] if range_name else None, index,
            )  # fmt: skip
    raise ValidationException(f"The table does not have the specified index: {index}")


def _literal_of(expr: ast.Expr) -> dict[str, Any] | None:
    return expr.value if isinstance(expr, ast.Literal) else None


def _key_equality(term: ast.Cond) -> tuple[str, dict[str, Any]] | None:
    """(name, value) when `term` is `name = value` or `value = name` (top-level names)."""
    if not isinstance(term, ast.Compare) or term.op != "=":
        return None
    for path, other in ((term.left, term.right), (term.right, term.left)):
        value = _literal_of(other)
        if isinstance(path, ast.Path) and path.is_top_level and value is not None:
            return path.top, value
    return None


def split_key(
    terms: list[ast.Cond], names: tuple[str, ...], types: tuple[str | None, ...] | None = None
) -> tuple[dict[str, dict[str, Any]], list[ast.Cond]]:
    """The first equality on each key name (of the right type, if `types`), and the rest."""
    key: dict[str, dict[str, Any]] = {}
    rest: list[ast.Cond] = []
    for term in terms:
        found = _key_equality(term)
        if found is not None and found[0] in names and found[0] not in key:
            name, value = found
            if types is None or next(iter(value)) == types[names.index(name)]:
                key[name] = value
                continue
        rest.append(term)
    return key, rest


def item_key(
    where: ast.Cond | None, schema: KeySchema
) -> tuple[dict[str, dict[str, Any]], list[ast.Cond]]:
    """The key of the ONE item a statement names, and its other terms; else DynamoDB's error."""
    key, rest = split_key(ast.conjuncts(where), schema.names)
    if len(key) != len(schema.names):
        raise ValidationException(MANDATORY_KEY)
    return key, rest


def sort_key_condition(
    terms: list[ast.Cond], schema: KeySchema
) -> tuple[ast.Cond | None, list[ast.Cond]]:
    """One term a Query can use as its sort-key condition, and the remaining terms."""
    name, kind = schema.range_name, schema.range_type
    if name is None:
        return None, terms
    for i, term in enumerate(terms):
        if _is_sort_condition(term, name, kind):
            return _normalised(term), terms[:i] + terms[i + 1 :]
    return None, terms


def _on_key(expr: ast.Expr, name: str) -> bool:
    return isinstance(expr, ast.Path) and expr.is_top_level and expr.top == name


def _typed(expr: ast.Expr, kind: str | None) -> bool:
    value = _literal_of(expr)
    return value is not None and len(value) == 1 and kind in value


def _is_sort_condition(term: ast.Cond, name: str, kind: str | None) -> bool:
    if isinstance(term, ast.Compare) and term.op in _SORT_OPS:
        return (_on_key(term.left, name) and _typed(term.right, kind)) or (
            _on_key(term.right, name) and _typed(term.left, kind)
        )
    if isinstance(term, ast.Between):
        return _on_key(term.operand, name) and _typed(term.low, kind) and _typed(term.high, kind)
    if isinstance(term, ast.FuncCond) and term.call.name == "begins_with":
        args = term.call.args
        return len(args) == 2 and _on_key(args[0], name) and _typed(args[1], kind) and kind != "N"
    return False


def _normalised(term: ast.Cond) -> ast.Cond:
    """`value op key` as `key op' value` (the key-condition grammar wants the key first)."""
    if isinstance(term, ast.Compare) and not isinstance(term.left, ast.Path):
        return ast.Compare(_FLIPPED[term.op], term.right, term.left)
    return term


def mentions(terms: list[ast.Cond], names: set[str]) -> bool:
    """Whether any term reads one of the top-level attributes `names`."""
    return any(_mentions(t, names) for t in terms)


def _mentions(node: Any, names: set[str]) -> bool:
    if isinstance(node, ast.Path):
        return node.top in names
    if isinstance(node, ast.Literal):
        return False
    if isinstance(node, tuple):
        return any(_mentions(n, names) for n in node)
    if hasattr(node, "__slots__"):
        return any(_mentions(getattr(node, f), names) for f in node.__slots__)
    return False


def check_write_target(target: ast.Target) -> None:
    if target.index is not None:
        raise ValidationException(NOT_ON_INDEX)


def check_delete_returning(returning: str | None) -> None:
    if returning is not None and returning != "ALL OLD":
        raise ValidationException(
            f"Invalid returning clause: RETURNING {returning} *. Only RETURNING ALL OLD * is"
            " allowed in DELETE statements."
        )


def all_of(terms: list[ast.Cond]) -> ast.Cond | None:
    """The AND of `terms` (None for none)."""
    out: ast.Cond | None = None
    for term in terms:
        out = term if out is None else ast.And(out, term)
    return out
