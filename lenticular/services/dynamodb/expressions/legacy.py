"""The legacy (pre-expression) parameters, converted to the same trees and objects.

Expected, QueryFilter/ScanFilter (+ ConditionalOperator), KeyConditions,
AttributeUpdates and AttributesToGet become the trees the expression grammars produce,
so one evaluator serves both. Attribute names here are always top-level and literal.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LegacyConditionalParameters.html
"""

from __future__ import annotations

from ..errors import ValidationException
from ..values import BadValue, check_value
from .ast import (
    AddAction,
    And,
    Between,
    Call,
    Compare,
    DeleteAction,
    In,
    Literal,
    Node,
    Not,
    Or,
    Path,
    RemoveAction,
    SetAction,
    UpdateTree,
)
from .context import Condition, Projection, Update
from .key_condition import KeyCondition, multi_key_condition
from .values import describe, order, type_of

_INVALID = "One or more parameter values were invalid: "
_COMPARE = {"EQ": "=", "NE": "<>", "LT": "<", "LE": "<=", "GT": ">", "GE": ">="}
_ARGS = {
    "EQ": 1,
    "NE": 1,
    "LT": 1,
    "LE": 1,
    "GT": 1,
    "GE": 1,
    "CONTAINS": 1,
    "NOT_CONTAINS": 1,
    "BEGINS_WITH": 1,
    "NULL": 0,
    "NOT_NULL": 0,
    "BETWEEN": 2,
}
_SCALARS = ("N", "S", "B")
_ALLOWED_TYPES = {
    "LT": _SCALARS,
    "LE": _SCALARS,
    "GT": _SCALARS,
    "GE": _SCALARS,
    "IN": _SCALARS,
    "BETWEEN": _SCALARS,
    "BEGINS_WITH": ("S", "B"),
    "CONTAINS": ("N", "S", "B", "BOOL", "NULL"),
    "NOT_CONTAINS": ("N", "S", "B", "BOOL", "NULL"),
}
_KEY_RANGE_OPS = {
    "EQ": "=",
    "LT": "<",
    "LE": "<=",
    "GT": ">",
    "GE": ">=",
    "BEGINS_WITH": "BEGINS_WITH",
    "BETWEEN": "BETWEEN",
}


def _invalid(message: str) -> ValidationException:
    return ValidationException(_INVALID + message)


def _check_arguments(operator: str, values: list[dict]) -> None:
    expected = _ARGS.get(operator)
    if operator not in _ARGS and operator != "IN":
        raise ValidationException(
            f"Unsupported comparison operator: {operator}; valid comparison operators: "
            "EQ, NE, LE, LT, GE, GT, NOT_NULL, NULL, CONTAINS, NOT_CONTAINS, BEGINS_WITH, IN, BETWEEN"
        )
    if (operator == "IN" and not values) or (expected is not None and len(values) != expected):
        raise _invalid(f"Invalid number of argument(s) for the {operator} ComparisonOperator")
    allowed = _ALLOWED_TYPES.get(operator)
    if allowed is not None:
        for value in values:
            if type_of(value) not in allowed:
                raise _invalid(
                    f"ComparisonOperator {operator} is not valid for {type_of(value)} "
                    "AttributeValue type"
                )
    if operator in ("IN", "BETWEEN") and len({type_of(v) for v in values}) > 1:
        raise _invalid("AttributeValues inside AttributeValueList must be of same type")
    if operator == "BETWEEN":
        result = order(values[0], values[1])
        if result is not None and result > 0:
            raise _invalid(
                "The BETWEEN condition was provided a range where the lower bound is greater "
                f"than the upper bound; lower bound operand: {describe(values[0])}, "
                f"upper bound operand: {describe(values[1])}"
            )


def _comparison(name: str, operator: str, values: list[dict]) -> Node:
    _check_arguments(operator, values)
    path = Path((name,))
    literals = [Literal(v) for v in values]
    if operator in _COMPARE:
        return Compare(_COMPARE[operator], path, literals[0])
    if operator == "NULL":
        return Call("attribute_not_exists", (path,))
    if operator == "NOT_NULL":
        return Call("attribute_exists", (path,))
    if operator == "CONTAINS":
        return Call("contains", (path, literals[0]))
    if operator == "NOT_CONTAINS":  # false, like CONTAINS, when the attribute is missing
        return And(Call("attribute_exists", (path,)), Not(Call("contains", (path, literals[0]))))
    if operator == "BEGINS_WITH":
        return Call("begins_with", (path, literals[0]))
    if operator == "IN":
        return In(path, tuple(literals))
    return Between(path, literals[0], literals[1])


def _combine(nodes: list[Node], conditional_operator: str | None) -> Node | None:
    if not nodes:
        return None
    joined = nodes[0]
    for node in nodes[1:]:
        joined = Or(joined, node) if conditional_operator == "OR" else And(joined, node)
    return joined


def _expected_one(name: str, spec: dict) -> Node:
    exists = spec.get("Exists")
    value = spec.get("Value")
    values = spec.get("AttributeValueList")
    operator = spec.get("ComparisonOperator")
    if operator is not None:
        if exists is not None:
            raise _invalid(
                f"Exists and ComparisonOperator cannot be used together for Attribute: {name}"
            )
        if value is not None and values is not None:
            raise _invalid(
                f"Value and AttributeValueList cannot be used together for Attribute: {name}"
            )
        if value is None and values is None and operator not in ("NULL", "NOT_NULL"):
            raise _invalid(
                f"Value or AttributeValueList must be used with ComparisonOperator: {operator} "
                f"for Attribute: {name}"
            )
        return _comparison(name, operator, [value] if value is not None else list(values or []))
    if values is not None:
        raise _invalid(
            f"AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}"
        )
    if exists is False:
        if value is not None:
            raise _invalid(f"Value cannot be used when Exists is false for Attribute: {name}")
        return Call("attribute_not_exists", (Path((name,)),))
    if value is None:
        state = "true" if exists else "null"
        raise _invalid(f"Value must be provided when Exists is {state} for Attribute: {name}")
    return Compare("=", Path((name,)), Literal(value))


def legacy_condition(expected: dict, conditional_operator: str | None) -> Condition:
    """Expected (+ ConditionalOperator) as a Condition."""
    nodes = [_expected_one(name, spec or {}) for name, spec in (expected or {}).items()]
    return Condition(_combine(nodes, conditional_operator))


def legacy_filter(conditions: dict, conditional_operator: str | None) -> Condition:
    """QueryFilter/ScanFilter (+ ConditionalOperator) as a Condition."""
    nodes = [
        _comparison(
            name, spec.get("ComparisonOperator"), list(spec.get("AttributeValueList") or [])
        )
        for name, spec in (conditions or {}).items()
    ]
    return Condition(_combine(nodes, conditional_operator))


def legacy_key_condition(
    key_conditions: dict,
    *,
    hash_key: str,
    range_key: str | None,
    hash_keys: tuple[str, ...] = (),
    range_keys: tuple[str, ...] = (),
) -> KeyCondition:
    """KeyConditions as a KeyCondition (`hash_keys`/`range_keys`: see `key_condition`)."""
    for spec in key_conditions.values():
        _check_arguments(spec.get("ComparisonOperator"), list(spec.get("AttributeValueList") or []))
    if len(hash_keys) > 1 or len(range_keys) > 1:
        seen: dict[str, tuple[str, tuple[dict, ...]]] = {}
        for name, spec in key_conditions.items():
            op = _KEY_RANGE_OPS.get(spec.get("ComparisonOperator"))
            if op is None:
                raise ValidationException(
                    "Attempted conditional constraint is not an indexable operation"
                )
            seen[name] = (op, tuple(spec.get("AttributeValueList") or ()))
        return multi_key_condition(seen, hash_keys, range_keys)
    if hash_key not in key_conditions:
        raise ValidationException(f"Query condition missed key schema element: {hash_key}")
    for name in key_conditions:
        if name not in (hash_key, range_key):
            if range_key is None:  # nothing else can be a key condition
                raise ValidationException("Query key condition not supported")
            raise ValidationException(f"Query condition missed key schema element: {range_key}")
    hash_spec = key_conditions[hash_key]
    if hash_spec.get("ComparisonOperator") != "EQ":
        raise ValidationException("Query key condition not supported")
    hash_value = hash_spec["AttributeValueList"][0]
    if range_key is None or range_key not in key_conditions:
        return KeyCondition(hash_value, None, ())
    spec = key_conditions[range_key]
    op = _KEY_RANGE_OPS.get(spec.get("ComparisonOperator"))
    if op is None:
        raise ValidationException("Attempted conditional constraint is not an indexable operation")
    return KeyCondition(hash_value, op, tuple(spec.get("AttributeValueList") or ()))


def legacy_update(attribute_updates: dict) -> Update:
    """AttributeUpdates as an Update (PUT, DELETE with or without a value, ADD)."""
    ordered: list = []
    for name, spec in (attribute_updates or {}).items():
        if not name:
            raise _invalid("Empty attribute name")
        action = (spec or {}).get("Action") or "PUT"
        value = (spec or {}).get("Value")
        path = Path((name,))
        if value is None:
            if action != "DELETE":
                raise ValidationException(
                    _INVALID + "Only DELETE action is allowed when no attribute value is specified"
                )
            ordered.append(RemoveAction(path))
            continue
        try:
            check_value(value)
        except BadValue as bad:
            raise bad.error() from None
        kind = type_of(value)
        if action == "PUT":
            ordered.append(SetAction(path, Literal(value)))
        elif action == "ADD":
            if kind not in ("N", "SS", "NS", "BS", "L"):
                raise _invalid(f"ADD action is not supported for the type {kind}")
            ordered.append(AddAction(path, Literal(value)))
        else:
            if kind not in ("SS", "NS", "BS"):
                raise _invalid(f"DELETE action with value is not supported for the type {kind}")
            ordered.append(DeleteAction(path, Literal(value)))
    tree = UpdateTree(
        tuple(a for a in ordered if isinstance(a, SetAction)),
        tuple(a for a in ordered if isinstance(a, RemoveAction)),
        tuple(a for a in ordered if isinstance(a, AddAction)),
        tuple(a for a in ordered if isinstance(a, DeleteAction)),
        tuple(ordered),
    )
    return Update(tree, legacy=True)


def legacy_projection(attributes_to_get: list[str]) -> Projection:
    """AttributesToGet as a Projection of top-level attributes."""
    seen: set[str] = set()
    for name in attributes_to_get:
        if not name:
            raise _invalid("Empty attribute name")
        if name in seen:
            raise _invalid(f"Duplicate value in attribute name: {name}")
        seen.add(name)
    return Projection(tuple(Path((name,)) for name in attributes_to_get))


# -- expression vs non-expression parameters ----------------------------------------------------

_NON_EXPRESSION = (
    "AttributesToGet",
    "QueryFilter",
    "ScanFilter",
    "ConditionalOperator",
    "KeyConditions",
    "AttributeUpdates",
    "Expected",
)
_EXPRESSION = (
    "ProjectionExpression",
    "FilterExpression",
    "KeyConditionExpression",
    "UpdateExpression",
    "ConditionExpression",
)
# Which expressions can consume ExpressionAttributeValues, per operation, as DynamoDB names
# them in "ExpressionAttributeValues can only be specified when using expressions: ...".
_VALUE_EXPRESSIONS = {
    "Query": ("FilterExpression", "KeyConditionExpression"),
    "Scan": ("FilterExpression",),
    "UpdateItem": ("UpdateExpression", "ConditionExpression"),
    "PutItem": ("ConditionExpression",),
    "DeleteItem": ("ConditionExpression",),
}


def check_no_mixing(params: dict, operation: str) -> None:
    """Refuse requests mixing legacy and expression parameters, or names/values unused."""
    legacy = [p for p in _NON_EXPRESSION if params.get(p) is not None]
    modern = [p for p in _EXPRESSION if params.get(p) is not None]
    if "KeyConditions" in legacy and "KeyConditionExpression" not in modern:
        # DynamoDB lets KeyConditions go with FilterExpression or ProjectionExpression
        legacy.remove("KeyConditions")
    if legacy and modern:
        raise ValidationException(
            "Can not use both expression and non-expression parameters in the same request: "
            f"Non-expression parameters: {{{', '.join(legacy)}}} "
            f"Expression parameters: {{{', '.join(modern)}}}"
        )
    if (
        operation in ("PutItem", "UpdateItem", "DeleteItem")
        and params.get("ConditionalOperator") is not None
        and not params.get("Expected")
    ):
        raise ValidationException(
            "ConditionalOperator can only be used when Expected has at least one element"
        )
    if params.get("ExpressionAttributeNames") is not None and not modern:
        raise ValidationException(
            "ExpressionAttributeNames can only be specified when using expressions"
        )
    if params.get("ExpressionAttributeValues") is None:
        return
    consumers = _VALUE_EXPRESSIONS.get(operation)
    if consumers is None:  # GetItem and friends: values have no expression to feed
        if not modern:
            raise ValidationException(
                "ExpressionAttributeValues can only be specified when using expressions"
            )
        return  # finish() reports them as unused
    if not any(params.get(p) is not None for p in consumers):
        raise ValidationException(
            "ExpressionAttributeValues can only be specified when using expressions: "
            f"{' and '.join(consumers)} {'is' if len(consumers) == 1 else 'are'} null"
        )
