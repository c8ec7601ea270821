"""Event filtering for event source mappings: FilterCriteria patterns, validated when a
mapping is created or updated, then matched against each stream record before it is
batched (a record no filter matches is dropped and its position is passed, as on AWS).

The patterns are EventBridge's, in the subset Lambda documents for event filtering:
exact values (strings, numbers, null, booleans), `prefix`, `suffix`, `equals-ignore-case`,
`numeric` (=, <, <=, >, >= and ranges), `exists` and `anything-but` (a value, a list of
values, or `{"prefix": ...}`); the filters of a mapping are ORed, the fields of a pattern
ANDed, the values of a field ORed.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html

DynamoDB keeps numbers as strings (`{"N": "12"}`), so a `numeric` condition also matches
a string that is the value of an `N` attribute.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from lenticular.services.awslambda.errors import InvalidParameterValueException

MAX_FILTERS = 5  # AWS's default quota of filters per event source mapping
INVALID_PATTERN = "Invalid filter pattern definition."
_NUMERIC_OPS = {"=", "<", "<=", ">", ">="}
_SCALARS = (str, int, float, bool, type(None))

Pattern = dict[str, Any]


def compile_criteria(criteria: dict[str, Any] | None) -> list[Pattern]:
    """The parsed patterns of a FilterCriteria; InvalidParameterValueException if one is
    not a valid pattern."""
    filters = (criteria or {}).get("Filters") or []
    if len(filters) > MAX_FILTERS:
        raise InvalidParameterValueException(
            f"The number of filters ({len(filters)}) exceeds the maximum of {MAX_FILTERS}"
            " allowed for an event source mapping."
        )
    patterns: list[Pattern] = []
    for item in filters:
        text = item.get("Pattern")
        try:
            pattern = orjson.loads(text) if text else None
        except orjson.JSONDecodeError:
            pattern = None
        if not isinstance(pattern, dict) or not pattern or not _valid_object(pattern):
            raise InvalidParameterValueException(INVALID_PATTERN)
        patterns.append(pattern)
    return patterns


def _valid_object(pattern: Pattern) -> bool:
    for value in pattern.values():
        if isinstance(value, dict):
            if not value or not _valid_object(value):
                return False
        elif isinstance(value, list):
            if not value or not all(_valid_condition(c) for c in value):
                return False
        else:
            return False  # a leaf must be a list of conditions
    return True


def _valid_condition(condition: Any) -> bool:
    if isinstance(condition, _SCALARS):
        return True
    if not isinstance(condition, dict) or len(condition) != 1:
        return False
    (op, arg), = condition.items()  # fmt: skip
    if op in ("prefix", "suffix", "equals-ignore-case"):
        return isinstance(arg, str)
    if op == "exists":
        return isinstance(arg, bool)
    if op == "numeric":
        return _valid_numeric(arg)
    if op == "anything-but":
        if isinstance(arg, list):
            return bool(arg) and all(isinstance(a, _SCALARS) for a in arg)
        if isinstance(arg, dict):
            return list(arg) == ["prefix"] and isinstance(arg["prefix"], str)
        return isinstance(arg, _SCALARS)
    return False


def _valid_numeric(arg: Any) -> bool:
    if not isinstance(arg, list) or len(arg) not in (2, 4):
        return False
    pairs = [arg[i : i + 2] for i in range(0, len(arg), 2)]
    for op, bound in pairs:
        if op not in _NUMERIC_OPS or isinstance(bound, bool) or not isinstance(bound, int | float):
            return False
    return len(pairs) == 1 or (pairs[0][0] in (">", ">=") and pairs[1][0] in ("<", "<="))


# -- matching ----------------------------------------------------------------------------


def matches_any(patterns: list[Pattern], record: dict[str, Any]) -> bool:
    """Whether `record` passes the filters (no filters: every record passes)."""
    return not patterns or any(_match_object(p, record) for p in patterns)


_MISSING = object()


def _match_object(pattern: Pattern, event: Any) -> bool:
    if not isinstance(event, dict):
        return False
    for key, expected in pattern.items():
        value = event.get(key, _MISSING)
        if isinstance(expected, dict):
            if value is _MISSING or not _match_object(expected, value):
                return False
        elif not any(_match_condition(c, value, key) for c in expected):
            return False
    return True


def _match_condition(condition: Any, value: Any, key: str) -> bool:
    if isinstance(condition, dict):
        (op, arg), = condition.items()  # fmt: skip
        if op == "exists":
            present = value is not _MISSING and not isinstance(value, dict)
            return present == arg
        if value is _MISSING:
            return False
        if op == "anything-but":
            return _anything_but(arg, value)
        values = value if isinstance(value, list) else [value]
        return any(_match_operator(op, arg, v, key) for v in values)
    if value is _MISSING:
        return False
    values = value if isinstance(value, list) else [value]
    return any(_equal(condition, v) for v in values)


def _match_operator(op: str, arg: Any, value: Any, key: str) -> bool:
    if op == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    if op == "suffix":
        return isinstance(value, str) and value.endswith(arg)
    if op == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == arg.casefold()
    if op == "numeric":
        number = _number(value, key)
        return number is not None and _in_range(arg, number)
    return False


def _anything_but(arg: Any, value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    if isinstance(arg, dict):
        return all(isinstance(v, str) and not v.startswith(arg["prefix"]) for v in values)
    excluded = arg if isinstance(arg, list) else [arg]
    return all(not any(_equal(e, v) for e in excluded) for v in values)


def _equal(expected: Any, value: Any) -> bool:
    if expected is None or value is None:
        return expected is None and value is None
    if isinstance(expected, bool) or isinstance(value, bool):
        return type(expected) is type(value) and expected == value
    if isinstance(expected, str) or isinstance(value, str):
        return isinstance(expected, str) and isinstance(value, str) and expected == value
    return Decimal(str(expected)) == Decimal(str(value))


def _number(value: Any, key: str) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str) and key == "N":
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _in_range(arg: list[Any], number: Decimal) -> bool:
    for i in range(0, len(arg), 2):
        op, bound = arg[i], Decimal(str(arg[i + 1]))
        ok = {
            "=": number == bound,
            "<": number < bound,
            "<=": number <= bound,
            ">": number > bound,
            ">=": number >= bound,
        }[op]
        if not ok:
            return False
    return True
