"""AttributeValue helpers the evaluator needs: type, equality, ordering, size.

Items are in wire shape ({"N": "1"}); binary values may be bytes or base64 text.
"""

from __future__ import annotations

import base64
from decimal import Decimal

TYPE_LONG_NAMES = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "SS": "STRING SET",
    "NS": "NUMBER SET",
    "BS": "BINARY SET",
    "M": "MAP",
    "L": "LIST",
    "NULL": "NULL",
    "BOOL": "BOOLEAN",
}
VALID_TYPES = ("B", "NULL", "SS", "BOOL", "L", "BS", "N", "NS", "S", "M")
SET_ELEMENT = {"SS": "S", "NS": "N", "BS": "B"}


def type_of(value: dict) -> str:
    for key in value:
        return key
    return ""


def as_bytes(raw: bytes | str) -> bytes:
    return raw if isinstance(raw, bytes) else base64.b64decode(raw)


def _scalar_key(kind: str, raw):
    if kind == "N":
        return Decimal(raw)
    if kind == "B":
        return as_bytes(raw)
    return raw


def equal(a: dict, b: dict) -> bool:
    ta, tb = type_of(a), type_of(b)
    if ta != tb:
        return False
    va, vb = a[ta], b[tb]
    if ta == "N":
        return Decimal(va) == Decimal(vb)
    if ta == "B":
        return as_bytes(va) == as_bytes(vb)
    if ta in SET_ELEMENT:
        element = SET_ELEMENT[ta]
        return {_scalar_key(element, x) for x in va} == {_scalar_key(element, x) for x in vb}
    if ta == "L":
        return len(va) == len(vb) and all(equal(x, y) for x, y in zip(va, vb, strict=True))
    if ta == "M":
        return va.keys() == vb.keys() and all(equal(va[k], vb[k]) for k in va)
    return va == vb


def order(a: dict, b: dict) -> int | None:
    """-1/0/1 for two comparable scalars of one type (N, S, B); None otherwise."""
    ta = type_of(a)
    if ta != type_of(b) or ta not in ("N", "S", "B"):
        return None
    x, y = _scalar_key(ta, a[ta]), _scalar_key(ta, b[ta])
    return (x > y) - (x < y)


def size(value: dict) -> int | None:
    kind = type_of(value)
    raw = value[kind]
    if kind == "S":
        return len(raw)
    if kind == "B":
        return len(as_bytes(raw))
    if kind in ("SS", "NS", "BS", "L", "M"):
        return len(raw)
    return None


def set_contains(container: list, element_kind: str, item: dict) -> bool:
    if type_of(item) != element_kind:
        return False
    wanted = _scalar_key(element_kind, item[element_kind])
    return any(_scalar_key(element_kind, x) == wanted for x in container)


def set_union(kind: str, left: list, right: list) -> list:
    element = SET_ELEMENT[kind]
    seen = {_scalar_key(element, x) for x in left}
    out = list(left)
    for x in right:
        key = _scalar_key(element, x)
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


def set_difference(kind: str, left: list, right: list) -> list:
    element = SET_ELEMENT[kind]
    drop = {_scalar_key(element, x) for x in right}
    return [x for x in left if _scalar_key(element, x) not in drop]


def describe(value: dict) -> str:
    """DynamoDB's rendering in BETWEEN errors: AttributeValue: {N:1}."""
    kind = type_of(value)
    return f"AttributeValue: {{{kind}:{value[kind]}}}"
