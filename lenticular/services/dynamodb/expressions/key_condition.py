"""Stage 3c: the extra rules of KeyConditionExpression, turning a resolved tree into a range.

A key condition is `pk = :v` optionally ANDed with one sort-key condition (=, <, <=, >,
>=, BETWEEN, begins_with). The messages below are DynamoDB's, several of which carry no
"Invalid KeyConditionExpression:" prefix.

On a GSI with a multi-attribute key, every partition key attribute needs `=`, and the sort
key attributes are used left to right without gaps, each with `=` except the last one
used, which may have any sort-key condition (the clauses may come in any order).
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.MultiAttributeKeys
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
    hash_values: tuple[dict, ...] = ()  # multi-attribute keys: every partition key value
    range_prefix: tuple[dict, ...] = ()  # multi-attribute keys: `=` values of the sort key
    # attributes before the one `range_op` applies to


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
        raise ValidationException(
            "KeyConditionExpressions cannot have conditions on nested attributes"
        )
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
        raise ValidationException(
            "KeyConditionExpressions cannot have conditions on nested attributes"
        )
    values = tuple(o.value for o in operands if isinstance(o, Literal))
    op = label
    if label not in ("BETWEEN", "begins_with") and operands[1] is path:
        op = _FLIP[label]  # ":v < sk" reads as "sk > :v"
    if label == "begins_with":
        op = "BEGINS_WITH"
    return str(path.elements[0]), op, values


def key_condition(
    tree: Node,
    *,
    hash_key: str,
    range_key: str | None,
    hash_keys: tuple[str, ...] = (),
    range_keys: tuple[str, ...] = (),
) -> KeyCondition:
    """`hash_keys`/`range_keys`: every key attribute of a multi-attribute key, in order."""
    _operators(tree)
    seen: dict[str, tuple[str, tuple[dict, ...]]] = {}
    for node in _conditions(tree, []):
        name, op, values = _one(node)
        if name in seen:
            raise ValidationException(
                "KeyConditionExpressions must only contain one condition per key"
            )
        seen[name] = (op, values)
    if len(hash_keys) > 1 or len(range_keys) > 1:
        return multi_key_condition(seen, hash_keys, range_keys)
    if hash_key not in seen:
        raise ValidationException(f"Query condition missed key schema element: {hash_key}")
    others = [name for name in seen if name not in (hash_key, range_key)]
    if others:
        if range_key is None:  # nothing else can be a key condition
            raise ValidationException("Query key condition not supported")
        raise ValidationException(f"Query condition missed key schema element: {range_key}")
    hash_op, hash_values = seen[hash_key]
    if hash_op != "=":
        raise ValidationException("Query key condition not supported")
    if range_key is not None and range_key in seen:
        op, values = seen[range_key]
        return KeyCondition(hash_values[0], op, values)
    return KeyCondition(hash_values[0], None, ())


def multi_key_condition(
    seen: dict[str, tuple[str, tuple[dict, ...]]],
    hash_keys: tuple[str, ...],
    range_keys: tuple[str, ...],
) -> KeyCondition:
    """The KeyCondition of a multi-attribute key from {attribute: (operator, values)}."""
    for name in seen:
        if name not in hash_keys and name not in range_keys:
            raise ValidationException(f"Query condition missed key schema element: {name}")
    for name in hash_keys:
        if name not in seen or seen[name][0] != "=":
            raise ValidationException(
                "Query key condition not supported: every HASH key attribute of the index"
                f" needs an equality condition; HASH key attributes: [{', '.join(hash_keys)}],"
                f" missing or not an equality: {name}"
            )
    used = [name for name in range_keys if name in seen]
    if used != list(range_keys[: len(used)]) or any(seen[n][0] != "=" for n in used[:-1]):
        raise ValidationException(
            "Query key condition not supported: RANGE key attributes must be used from the"
            " first one without gaps, and each but the last one used needs an equality"
            f" condition; RANGE key attributes: [{', '.join(range_keys)}], used:"
            f" [{', '.join(used)}]"
        )
    hash_values = tuple(seen[name][1][0] for name in hash_keys)
    if not used:
        return KeyCondition(hash_values[0], None, (), hash_values)
    prefix = tuple(seen[name][1][0] for name in used[:-1])
    op, values = seen[used[-1]]
    return KeyCondition(hash_values[0], op, values, hash_values, prefix)
