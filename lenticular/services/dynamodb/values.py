"""AttributeValues: validation with DynamoDB's messages, number normalisation, sizes.

An item arrives in wire format (`{"name": {"S": "x"}}`, binary values already decoded to
bytes by the codec). `check_item` walks it once: it rejects what DynamoDB rejects,
rewrites numbers to DynamoDB's normalised form ("1.50" -> "1.5", "-0" -> "0",
"1e2" -> "100") in place, and returns the item's size computed as DynamoDB computes it
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
attribute name bytes plus value bytes; a number is about one byte per two significant
digits plus one; lists and maps cost 3 bytes plus 1 per element.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from lenticular.services.dynamodb.errors import ValidationException

MAX_ITEM_SIZE = 400 * 1024
MAX_HASH_KEY = 2048
MAX_RANGE_KEY = 1024
MAX_DEPTH = 32
INVALID = "One or more parameter values were invalid: "

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_KINDS = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})
_SET_NAMES = {"SS": "An string set ", "NS": "An number set ", "BS": "Binary sets "}


class BadValue(Exception):
    """An invalid AttributeValue; `message` is DynamoDB's text without any context prefix,
    and `generic` says whether DynamoDB prefixes it with "One or more parameter values
    were invalid: " (set and type errors) or sends it bare (number errors)."""

    def __init__(self, message: str, generic: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.generic = generic

    def error(self) -> ValidationException:
        return ValidationException(INVALID + self.message if self.generic else self.message)


# -- numbers -------------------------------------------------------------------------------


def normalise_number(text: Any) -> str:
    """DynamoDB's canonical text of a number, or BadValue."""
    if type(text) is str and text.isdigit() and len(text) <= 38 and text[0] != "0":
        return text  # the common case: a plain positive integer, already canonical
    if not isinstance(text, str) or not _NUMBER.fullmatch(text):
        suffix = f": {text}" if text else ""
        raise BadValue(f"The parameter cannot be converted to a numeric value{suffix}", False)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise BadValue(
            f"The parameter cannot be converted to a numeric value: {text}", False
        ) from None
    sign, digits, exponent = value.as_tuple()
    if not any(digits):
        return "0"
    end = len(digits)
    while digits[end - 1] == 0:
        end -= 1
    if end > 38:
        raise BadValue("Attempting to store more than 38 significant digits in a Number", False)
    adjusted = exponent + len(digits) - 1  # type: ignore[operator]
    if adjusted > 125:
        raise BadValue(
            "Number overflow. Attempting to store a number with magnitude larger than"
            " supported range",
            False,
        )
    if adjusted < -130:
        raise BadValue(
            "Number underflow. Attempting to store a number with magnitude smaller than"
            " supported range",
            False,
        )
    return format(Decimal((sign, digits[:end], exponent + len(digits) - end)), "f")  # type: ignore[operator]


def number_size(text: str) -> int:
    """Bytes a normalised number takes: 1 per two significant digits, plus 1 (+1 if < 0)."""
    digits = text.lstrip("-").replace(".", "").strip("0")
    return (len(digits) + 1) // 2 + 1 + (1 if text[0] == "-" else 0)


# -- values --------------------------------------------------------------------------------


def check_value(value: Any, depth: int = 1) -> int:
    """Validate one AttributeValue (normalising its numbers in place); returns its size."""
    if not isinstance(value, dict) or len(value) != 1:
        if not value:
            raise BadValue(
                "Supplied AttributeValue is empty, must contain exactly one of the supported"
                " datatypes",
                False,
            )
        raise BadValue(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one"
            " of the supported datatypes",
            False,
        )
    for kind, inner in value.items():
        if kind not in _KINDS:  # AWS's JSON reader drops unknown members: nothing is left
            raise BadValue(
                "Supplied AttributeValue is empty, must contain exactly one of the supported"
                " datatypes",
                False,
            )
        if kind == "S":
            return len(inner.encode()) if not inner.isascii() else len(inner)
        if kind == "N":
            text = normalise_number(inner)
            if text is not inner:
                value["N"] = text
            return number_size(text)
        if kind == "B":
            return len(inner)
        if kind == "BOOL":
            return 1
        if kind == "NULL":
            if inner is not True:
                raise BadValue("Null attribute value types must have the value of true")
            return 1
        if depth >= MAX_DEPTH and kind in ("M", "L"):
            raise BadValue("Nesting Levels have exceeded supported limits", False)
        if kind == "M":
            size = 3
            for name, member in inner.items():
                size += len(name.encode()) + check_value(member, depth + 1) + 1
            return size
        if kind == "L":
            size = 3
            for member in inner:
                size += check_value(member, depth + 1) + 1
            return size
        return _check_set(value, kind, inner)
    raise AssertionError("unreachable")


def _check_set(value: dict[str, Any], kind: str, members: list[Any]) -> int:
    if not members:
        if kind == "BS":
            raise BadValue("Binary sets should not be empty")
        raise BadValue(f"{_SET_NAMES[kind]} may not be empty")
    if kind == "NS":
        normal = [normalise_number(m) for m in members]
        if len(set(normal)) != len(normal):
            raise BadValue("Input collection contains duplicates", False)
        value["NS"] = normal
        return sum(number_size(m) for m in normal)
    if len(set(members)) != len(members):
        if kind == "SS":
            raise BadValue(f"Input collection [{', '.join(members)}] contains duplicates.")
        import base64

        shown = ", ".join(base64.b64encode(m).decode() for m in members)
        raise BadValue(f"Input collection [{shown}]of type BS contains duplicates.")
    if kind == "SS":
        return sum(len(m.encode()) for m in members)
    return sum(len(m) for m in members)


def check_item(item: dict[str, Any]) -> int:
    """Validate every attribute of `item`; returns its size (names + values) in bytes."""
    size = 0
    try:
        for name, value in item.items():
            if not name:
                raise BadValue("Empty attribute name")
            size += len(name.encode()) + check_value(value)
    except BadValue as bad:
        raise bad.error() from None
    return size


def item_size(item: dict[str, Any]) -> int:
    """The size of an item already known to be valid (numbers normalised)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode()) + value_size(value)
    return size


def value_size(value: dict[str, Any]) -> int:
    for kind, inner in value.items():
        if kind == "S":
            return len(inner.encode())
        if kind == "N":
            return number_size(inner)
        if kind == "B":
            return len(inner)
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "M":
            return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
        if kind == "L":
            return 3 + sum(value_size(v) + 1 for v in inner)
        if kind == "SS":
            return sum(len(m.encode()) for m in inner)
        if kind == "NS":
            return sum(number_size(m) for m in inner)
        if kind == "BS":
            return sum(len(m) for m in inner)
    return 0


def check_size(size: int, *, update: bool = False) -> None:
    if size > MAX_ITEM_SIZE:
        if update:
            raise ValidationException("Item size to update has exceeded the maximum allowed size")
        raise ValidationException("Item size has exceeded the maximum allowed size")


def check_values(values: dict[str, Any]) -> None:
    """Validate a Key map (before the table is known) with the Item-style messages."""
    try:
        for value in values.values():
            check_value(value)
    except BadValue as bad:
        raise bad.error() from None


def key_type_name(value: dict[str, Any]) -> str:
    return next(iter(value))
