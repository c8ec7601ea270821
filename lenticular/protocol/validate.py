"""Input validation against the model's constraints, with AWS's own messages.

AWS checks every request against the operation's input shape before the service sees
it and answers with one error listing every violation:

    2 validation errors detected: Value null at 'tableName' failed to satisfy
    constraint: Member must not be null; Value 'x' at 'keySchema.1.member.keyType'
    failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]

Paths are member names with a lower-cased first letter, joined with "."; list items
add `.N.member` (1-based), map values `.key.member`. Values of `sensitive` shapes are
left out ("Value at 'password' ..."), as AWS does. Validators are compiled once per
shape and cached; an operation whose input has no members costs one dict lookup.
Patterns are checked only when Python's `re` compiles them (botocore's are Java
regexes) and must match the whole value, as Java's `matches()` does: AWS rejects a
Lambda environment key "MY-VAR" against `[a-zA-Z]([a-zA-Z0-9_])+`.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from lenticular.errors import ValidationError

Check = Callable[[Any, str, list[str]], None]  # (value, path, errors) -> appends messages
Quick = Callable[[Any], bool]  # True: the value certainly passes its Check

_INT_BOUNDS = {
    "byte": (-(2**7), 2**7 - 1),
    "short": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
}

_MISSING = object()


def validate(
    operation: OperationModel, params: dict[str, Any], *, code: str = "ValidationException"
) -> None:
    """Raise `ValidationError(code)` listing every way `params` breaks the input shape."""
    compiled = _OPERATIONS.get(operation) or _compiled(operation)
    quick, check = compiled
    if quick(params) or check is None:
        return
    errors: list[str] = []
    check(params, "", errors)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise ValidationError(
            f"{count} validation {noun} detected: " + "; ".join(errors), code=code
        )


def quick_test(operation: OperationModel) -> Quick:
    """The operation's quick test: True only for input `validate` accepts."""
    return (_OPERATIONS.get(operation) or _compiled(operation))[0]


def _compiled(operation: OperationModel) -> tuple[Quick, Check | None]:
    shape = operation.input_shape
    if shape is not None and shape.members:
        compiled = (_quick(shape, {}), _compile(shape, {}))
    else:
        compiled = (_always, None)
    _OPERATIONS[operation] = compiled
    return compiled


# operation -> (quick test, full check): the quick test says "valid" without building
# paths or messages; only input it cannot vouch for gets the full check.
_OPERATIONS: dict[OperationModel, tuple[Quick, Check | None]] = {}


# Error codes AWS sends for a failed model validation, where they differ by service.
_SERVICE_CODES = {
    "apigateway": "BadRequestException",
    "apigatewayv2": "BadRequestException",
    "s3": "InvalidArgument",
    "s3control": "InvalidRequest",
    "route53": "InvalidInput",
    "cognito-idp": "InvalidParameterException",
    "cognito-identity": "InvalidParameterException",
}


def validation_error_code(service: ServiceModel) -> str:
    """The code a service uses for "input fails the model's constraints"."""
    special = _SERVICE_CODES.get(service.service_name)
    if special is not None:
        return special
    protocol = service.metadata.get("protocol")
    if protocol in ("query", "ec2") and "json" not in (service.metadata.get("protocols") or ()):
        return "ValidationError"
    return "ValidationException"


# -- compilation ----------------------------------------------------------------------


def _memoised(
    shape: Shape,
    memo: dict[str, Any],
    any_value: Any,
    structure: Callable[[Shape, dict[str, Any]], Any],
    list_: Callable[[Shape, dict[str, Any]], Any],
    map_: Callable[[Shape, dict[str, Any]], Any],
    scalar: Callable[[Shape], Any],
) -> Any:
    """What the builder for `shape`'s kind makes of it, memoised by shape name (recursive
    shapes reuse theirs; a structure's builder memoises itself before its members).
    Documents and JSON-valued members get `any_value`."""
    if shape.serialization.get("jsonvalue") or shape.metadata.get("document"):
        return any_value
    found = memo.get(shape.name)
    if found is not None:
        return found
    kind = shape.type_name
    if kind == "structure":
        return structure(shape, memo)
    if kind == "list":
        built = list_(shape, memo)
    elif kind == "map":
        built = map_(shape, memo)
    else:
        built = scalar(shape)
    memo[shape.name] = built
    return built


def _compile(shape: Shape, memo: dict[str, Check]) -> Check:
    """The check for `shape`, memoised by shape name (recursive shapes reuse theirs)."""
    return _memoised(shape, memo, _any_value, _structure, _list, _map, _scalar)


def _any_value(value: Any, path: str, errors: list[str]) -> None:
    return None


# -- quick tests: the common, valid request without paths or messages ------------------------


def _always(value: Any) -> bool:
    return True


def _quick(shape: Shape, memo: dict[str, Quick]) -> Quick:
    """A test that is True only for values the shape's Check passes without an error
    (False means "run the Check", not "invalid"), memoised by shape name. It is False
    for any null member of a structure or value of a map: the JSON codec relies on a pass
    meaning that the containers it walked hold no nulls."""
    return _memoised(shape, memo, _always, _quick_structure, _quick_list, _quick_map, _quick_scalar)


def _quick_structure(shape: Shape, memo: dict[str, Quick]) -> Quick:
    members: dict[str, Quick] = {}
    required = [m for m in shape.required_members if m in shape.members]
    union = shape.metadata.get("union", False)
    get = members.get

    def test(value: Any) -> bool:
        if type(value) is not dict:
            return False
        for name in required:
            if dict.get(value, name) is None:  # (compiled: no method lookup)
                return False
        for name, item in value.items():
            if item is None:  # (see `_quick`)
                return False
            member = get(name)
            if member is None:
                continue
            if member is _is_str:  # (the commonest member, tested here without a call)
                if type(item) is not str:
                    return False
            elif not member(item):
                return False
        return not union or len(value) == 1  # (none of its values is null)

    memo[shape.name] = test
    for name, member in shape.members.items():
        members[name] = _quick(member, memo)
    return test


def _quick_list(shape: Shape, memo: dict[str, Quick]) -> Quick:
    item_test = _quick(shape.member, memo)
    low = shape.metadata.get("min", 0)
    high = shape.metadata.get("max", sys.maxsize)

    def test(value: Any) -> bool:
        if type(value) is not list or not low <= len(value) <= high:
            return False
        for item in value:
            if item is None or not item_test(item):
                return False
        return True

    return test


def _quick_map(shape: Shape, memo: dict[str, Quick]) -> Quick:
    low = shape.metadata.get("min", 0)
    high = shape.metadata.get("max", sys.maxsize)
    key_test = _quick(shape.key, memo)
    value_test = _quick(shape.value, memo)

    def test(value: Any) -> bool:
        if type(value) is not dict or not low <= len(value) <= high:
            return False
        for key in value:
            if not key_test(key):
                return False
        for item in value.values():
            if item is None or not value_test(item):
                return False
        return True

    return test


def _quick_scalar(shape: Shape) -> Quick:
    check = _scalar(shape)

    def test(value: Any) -> bool:
        errors: list[str] = []
        check(value, "", errors)
        return not errors

    kind = shape.type_name
    if kind in _INT_BOUNDS:
        low, high = _int_limits(shape)
        return lambda value: type(value) is int and low <= value <= high
    if kind == "string":
        low, high, match, allowed = _string_limits(shape)
        if match is None and allowed is None:
            if low == 0 and high == sys.maxsize:
                return _is_str
            return lambda value: type(value) is str and low <= len(value) <= high
        return lambda value: (
            type(value) is str
            and low <= len(value) <= high
            and (match is None or match(value) is not None)
            and (allowed is None or value in allowed)
        )
    if kind == "boolean":
        return lambda value: type(value) is bool
    return test


def _is_str(value: Any) -> bool:
    """The quick test of a string without constraints."""
    return type(value) is str


def _structure(shape: Shape, memo: dict[str, Check]) -> Check:
    members: dict[str, tuple[str, Check]] = {}  # name -> (path label, check)
    required = [m for m in shape.required_members if m in shape.members]
    union = shape.metadata.get("union", False)
    sensitive = shape.metadata.get("sensitive", False)

    def check(value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, dict):
            errors.append(_error(value, path, "Member must be a structure", sensitive))
            return
        prefix = path + "." if path else ""
        for name in required:
            if value.get(name) is None:
                errors.append(
                    f"Value null at '{prefix}{_lower_first(name)}' failed to "
                    "satisfy constraint: Member must not be null"
                )
        # Walk what was sent, not the whole model: inputs are usually a few of many members.
        for name, item in value.items():
            member = members.get(name)
            if member is not None and item is not None:
                member[1](item, prefix + member[0], errors)
        if union and sum(1 for v in value.values() if v is not None) != 1:
            errors.append(_error(value, path, "Member must have exactly one member set", sensitive))

    memo[shape.name] = check
    for name, member in shape.members.items():
        members[name] = (_lower_first(name), _compile(member, memo))
    return check


def _list(shape: Shape, memo: dict[str, Check]) -> Check:
    item_check = _compile(shape.member, memo)
    length = _length_checks(shape)
    sensitive = shape.metadata.get("sensitive", False)

    def check(value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, list):
            errors.append(_error(value, path, "Member must be a list", sensitive))
            return
        for failed in length(len(value)):
            errors.append(_error(value, path, failed, sensitive))
        for index, item in enumerate(value, 1):
            if item is None:
                errors.append(
                    f"Value null at '{path}.{index}.member' failed to satisfy "
                    "constraint: Member must not be null"
                )
            else:
                item_check(item, f"{path}.{index}.member", errors)

    return check


def _map(shape: Shape, memo: dict[str, Check]) -> Check:
    length = _length_checks(shape)
    sensitive = shape.metadata.get("sensitive", False)
    key_test, key_rules = _member_test(shape.key)
    value_shape = shape.value
    scalar_value = value_shape.type_name not in ("structure", "list", "map")
    value_test, value_rules = _member_test(value_shape) if scalar_value else (None, "")
    value_check = None if scalar_value else _compile(value_shape, memo)

    def check(value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, dict):
            errors.append(_error(value, path, "Member must be a map", sensitive))
            return
        for failed in length(len(value)):
            errors.append(_error(value, path, failed, sensitive))
        if key_test is not None and not all(key_test(k) for k in value):
            errors.append(
                _error(value, path, f"Map keys must satisfy constraint: [{key_rules}]", sensitive)
            )
        if value_test is not None and not all(value_test(v) for v in value.values()):
            errors.append(
                _error(
                    value, path, f"Map value must satisfy constraint: [{value_rules}]", sensitive
                )
            )
        if value_check is not None:
            for key, item in value.items():
                if item is not None:
                    value_check(item, f"{path}.{key}.member", errors)

    return check


def _scalar(shape: Shape) -> Check:
    """Type, then length/range, pattern and enum checks of a scalar shape."""
    kind = shape.type_name
    sensitive = shape.metadata.get("sensitive", False)
    type_ok = _type_test(kind)
    type_message = f"Member must be of type {kind}"
    rules = _value_rules(shape)

    def report(value: Any, path: str, errors: list[str]) -> None:
        if not type_ok(value):
            errors.append(_error(value, path, type_message, sensitive))
            return
        for test, message in rules:
            if not test(value):
                errors.append(_error(value, path, message, sensitive))

    if kind == "string":
        # The common case in one call: a str within its bounds, pattern and enum.
        low, high, match, allowed = _string_limits(shape)

        def check_string(value: Any, path: str, errors: list[str]) -> None:
            if (
                type(value) is str
                and low <= len(value) <= high
                and (match is None or match(value) is not None)
                and (allowed is None or value in allowed)
            ):
                return
            report(value, path, errors)

        return check_string
    if kind in _INT_BOUNDS:
        low, high = _int_limits(shape)

        def check_int(value: Any, path: str, errors: list[str]) -> None:
            if type(value) is int and low <= value <= high:
                return
            report(value, path, errors)

        return check_int
    if not rules:

        def check_type(value: Any, path: str, errors: list[str]) -> None:
            if not type_ok(value):
                errors.append(_error(value, path, type_message, sensitive))

        return check_type
    return report


def _int_limits(shape: Shape) -> tuple[int, int]:
    """(lowest, highest) value of an integer shape: its range within its type's bounds."""
    type_low, type_high = _INT_BOUNDS[shape.type_name]
    low = max(shape.metadata.get("min", -sys.maxsize), type_low)
    high = min(shape.metadata.get("max", sys.maxsize), type_high)
    return low, high


def _string_limits(
    shape: Shape,
) -> tuple[int, int, Callable[[str], Any] | None, frozenset[str] | None]:
    """(min length, max length, pattern matcher or None, enum values or None) of a string
    shape."""
    pattern = shape.metadata.get("pattern")
    return (
        shape.metadata.get("min", 0),
        shape.metadata.get("max", sys.maxsize),
        _compile_pattern(pattern) if pattern else None,
        frozenset(shape.enum) if shape.enum else None,
    )


def _value_rules(shape: Shape) -> list[tuple[Callable[[Any], bool], str]]:
    """(test, message) pairs for a scalar shape's constraints, in the order AWS lists them."""
    kind = shape.type_name
    meta = shape.metadata
    rules: list[tuple[Callable[[Any], bool], str]] = []
    low, high = meta.get("min"), meta.get("max")
    if kind in ("string", "blob"):
        if low is not None:
            rules.append(
                (
                    lambda v, n=low: len(v) >= n,
                    f"Member must have length greater than or equal to {low}",
                )
            )
        if high is not None:
            rules.append(
                (
                    lambda v, n=high: len(v) <= n,
                    f"Member must have length less than or equal to {high}",
                )
            )
    elif kind in _INT_BOUNDS or kind in ("float", "double"):
        if low is not None:
            rules.append(
                (
                    lambda v, n=low: v >= n,
                    f"Member must have value greater than or equal to {_number(kind, low)}",
                )
            )
        if high is not None:
            rules.append(
                (
                    lambda v, n=high: v <= n,
                    f"Member must have value less than or equal to {_number(kind, high)}",
                )
            )
    pattern = meta.get("pattern") if kind == "string" else None
    if pattern:
        match = _compile_pattern(pattern)
        if match is not None:
            rules.append(
                (
                    lambda v, s=match: s(v) is not None,
                    f"Member must satisfy regular expression pattern: {pattern}",
                )
            )
    enum = shape.enum if kind == "string" else None
    if enum:
        allowed = frozenset(enum)
        rules.append(
            (allowed.__contains__, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        )
    return rules


def _member_test(shape: Shape) -> tuple[Callable[[Any], bool] | None, str]:
    """For map keys/values: one test over all of a shape's rules, and their listing."""
    rules = _value_rules(shape)
    type_ok = _type_test(shape.type_name)
    if not rules:
        return (lambda v: type_ok(v)), f"Member must be of type {shape.type_name}"
    # AWS lists the bounds max-first ("less than..., greater than..., pattern").
    messages = [m for _, m in rules]
    messages.sort(key=lambda m: 0 if "less than" in m else 1 if "greater than" in m else 2)
    tests = [t for t, _ in rules]
    return (lambda v: type_ok(v) and all(t(v) for t in tests)), ", ".join(messages)


def _length_checks(shape: Shape) -> Callable[[int], list[str]]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is None and high is None:
        return lambda n: []

    def failures(n: int) -> list[str]:
        out = []
        if low is not None and n < low:
            out.append(f"Member must have length greater than or equal to {low}")
        if high is not None and n > high:
            out.append(f"Member must have length less than or equal to {high}")
        return out

    return failures


def _type_test(kind: str) -> Callable[[Any], bool]:
    if kind in ("string", "character"):
        return lambda v: isinstance(v, str)
    if kind in _INT_BOUNDS:
        low, high = _INT_BOUNDS[kind]
        return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high
    if kind in ("float", "double"):
        return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    if kind == "boolean":
        return lambda v: isinstance(v, bool)
    if kind == "timestamp":
        return lambda v: isinstance(v, datetime)
    if kind == "blob":
        return lambda v: isinstance(v, (bytes, bytearray, memoryview))
    return lambda v: True


_PATTERNS: dict[str, Callable[[str], Any] | None] = {}


def _compile_pattern(pattern: str) -> Callable[[str], Any] | None:
    """`re.fullmatch` for a Java regex, or None when Python cannot compile it (e.g. `\\p{L}`)."""
    if pattern not in _PATTERNS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _PATTERNS[pattern] = re.compile(pattern).fullmatch
        except (re.error, OverflowError, RecursionError):
            _PATTERNS[pattern] = None
    return _PATTERNS[pattern]


# -- messages -------------------------------------------------------------------------


def _error(value: Any, path: str, constraint: str, sensitive: bool) -> str:
    shown = "" if sensitive else f" {_render(value)}"
    if value is None:
        shown = " null"
    return f"Value{shown} at '{path}' failed to satisfy constraint: {constraint}"


def _render(value: Any) -> str:
    """A value as AWS's (Java) services print it in messages: quoted, maps as {k=v}."""
    return f"'{_java_text(value)}'"


def _java_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_java_text(k)}={_java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    if isinstance(value, (bytes, bytearray, memoryview)):
        size = len(value)
        return f"java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _number(kind: str, bound: Any) -> str:
    if kind in ("float", "double"):
        return repr(float(bound))
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]
