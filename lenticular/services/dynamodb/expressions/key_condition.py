"""Stage 3c: the extra rules of KeyConditionExpression, turning a resolved tree into a range.

A key condition is `pk = :v` optionally ANDed with one sort-key condition (=, <, <=, >,
>=, BETWEEN, begins_with). The messages below are DynamoDB's, several of which carry no
"Invalid KeyConditionExpression:" prefix.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ValidationException
from .ast import And, Between, Call, Compare, In, Literal, Node, Not, Or, Path

_FLIP = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True, slots=True)
class KeyCondition:
    """What a Query reads: one partition, optionally a sort-key range."""

    hash_value: dict  # the AttributeValue the partition key must equal
    range_op: str | None  # None | "=" | "<" | "<=" | ">" | ">=" | "BETWEEN" | "BEGINS_WITH"
    range_values: tuple[dict, ...]  # 1 value, or 2 for BETWEEN


def _operators(node: Node) -> None:
    """Refuse every operator a key condition cannot use, outermost first."""
    if isinstance(node, And):
        _operators(node.left)
        _operators(node.right)
        return
    bad = None
    if isinstance(node, Or):
        bad = "OR"
    elif isinstance(node, Not):
        bad = "NOT"
    elif isinstance(node, In):
        bad = "IN"
    elif isinstance(node, Compare) and node.op == "<>":
        bad = "<>"
    elif isinstance(node, Call) and node.name != "begins_with":
        bad = node.name
    if bad is not None:
        raise ValidationException(f"Invalid operator used in KeyConditionExpression: {bad}")


def _conditions(node: Node, out: list[Node]) -> list[Node]:
    if isinstance(node, And):
        _conditions(node.left, out)
        _conditions(node.right, out)
    else:
        out.append(node)
    return out


def _one(node: Node) -> tuple[str, str, tuple[dict, ...]]:
    """(attribute, operator, values) for one simple condition."""
    if isinstance(node, Between):
        label, operands = "BETWEEN", (node.subject, node.low, node.high)
    elif isinstance(node, Call):
        label, operands = "begins_with", node.args
    else:
        label, operands = node.op, (node.left, node.right)
    if label in ("BETWEEN", "begins_with") and not isinstance(operands[0], Path):
        raise ValidationException(
            f"Invalid condition in KeyConditionExpression: {label} operator must have the key "
            "attribute as its first operand"
        )
    first = operands[0]
    if isinstance(first, Path) and len(first.elements) > 1:
        raise ValidationException("KeyConditionExpressions cannot have conditions on nested attributes")
    paths = [o for o in operands if isinstance(o, Path)]
    if len(paths) > 1:
        raise ValidationException(
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
        )
    if any(isinstance(o, Call) for o in operands):
        raise ValidationException("KeyConditionExpressions cannot contain nested operations")
    if not paths:
        raise ValidationException(
            "Invalid condition in KeyConditionExpression: No key attribute specified"
        )
    path = paths[0]
    if len(path.elements) > 1:
        raise ValidationException("KeyConditionExpressions cannot have conditions on nested attributes")
    values = tuple(o.value for o in operands if isinstance(o, Literal))
    op = label
    if label not in ("BETWEEN", "begins_with") and operands[1] is path:
        op = _FLIP[label]  # ":v < sk" reads as "sk > :v"
    if label == "begins_with":
        op = "BEGINS_WITH"
    return str(path.elements[0]), op, values


def key_condition(tree: Node, *, hash_key: str, range_key: str | None) -> KeyCondition:
    _operators(tree)
    seen: dict[str, tuple[str, tuple[dict, ...]]] = {}
    for node in _conditions(tree, []):
        name, op, values = _one(node)
        if name in seen:
            raise ValidationException("KeyConditionExpressions must only contain one condition per key")
        seen[name] = (op, values)
    if hash_key not in seen:
        raise ValidationException(f"Query condition missed key schema element: {hash_key}")
    others = [name for name in seen if name not in (hash_key, range_key)]
    if others:
        missing = range_key if range_key is not None else others[0]
        raise ValidationException(f"Query condition missed key schema element: {missing}")
    hash_op, hash_values = seen[hash_key]
    if hash_op != "=":
        raise ValidationException("Query key condition not supported")
    if range_key is not None and range_key in seen:
        op, values = seen[range_key]
        return KeyCondition(hash_values[0], op, values)
    return KeyCondition(hash_values[0], None, ())
