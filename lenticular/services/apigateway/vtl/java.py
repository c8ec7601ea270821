"""Java semantics that API Gateway's VTL has because it runs Apache Velocity 1.7 on the
JVM, and that a Python engine (airspeed) does not have by itself (PITFALLS 16):

- values print as Java's `toString()`: maps `{a=b, c=1}`, lists `[1, 2]`, booleans
  `true`, null as nothing (API Gateway renders a null reference as an empty string);
- `#if($x)`, `!`, `&&`, `||` test Velocity truth: only null and `false` are false, so an
  empty string, 0 and an empty list are true;
- `==` between values of different types compares their string forms, as Velocity does;
- the Java methods templates call on strings, lists and maps (`$s.toLowerCase()`,
  `$m.containsKey('a')`, `$l.isEmpty()`) are added to airspeed's method table.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import airspeed


def java_number(value: float) -> str:
    """Double.toString: plain between 1e-3 and 1e7 (`1.0`, `0.5`), else `1.0E10` style."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    magnitude = abs(value)
    if magnitude == 0 or 1e-3 <= magnitude < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    shown = "".join(map(str, digits))
    power = len(shown) + int(exponent) - 1
    return f"{'-' if sign else ''}{shown[0]}.{shown[1:] or '0'}E{power}"


def java_string(value: Any) -> str:
    """`value` as Java's String.valueOf would print it."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_number(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_string(k)}={java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple | set | frozenset) or _is_view(value):
        return "[" + ", ".join(java_string(v) for v in value) + "]"
    return str(value)


def _is_view(value: Any) -> bool:
    return isinstance(value, type({}.keys()) | type({}.values()) | range)


def truth(value: Any) -> bool:
    """Velocity 1.7's #if: false only for null and Boolean false."""
    return value is not None and value is not False


def equals(left: Any, right: Any) -> bool:
    """Velocity's `==`: same-kind values compare as values; others by their strings."""
    if left is None or right is None:
        return left is right
    numbers = (int, float)
    if isinstance(left, bool) or isinstance(right, bool):
        if isinstance(left, bool) and isinstance(right, bool):
            return left == right
    elif isinstance(left, numbers) and isinstance(right, numbers):
        return left == right
    if type(left) is type(right) or (isinstance(left, dict) and isinstance(right, dict)):
        return bool(left == right)
    return java_string(left) == java_string(right)


def _substring(text: str, begin: int, end: int | None = None) -> str:
    return text[begin:end] if end is not None else text[begin:]


def _index_of(text: str, needle: str, start: int = 0) -> int:
    return text.find(java_string(needle), start)


def _entry_set(mapping: dict) -> list[dict[str, Any]]:
    return [{"key": k, "value": v} for k, v in mapping.items()]


_JAVA_METHODS: dict[type, dict[str, Any]] = {
    str: {
        "toLowerCase": lambda s: s.lower(),
        "toUpperCase": lambda s: s.upper(),
        "trim": lambda s: s.strip(" \t\n\r\x0b\x0c\x00"),
        "substring": _substring,
        "indexOf": _index_of,
        "lastIndexOf": lambda s, needle: s.rfind(java_string(needle)),
        "endsWith": lambda s, suffix: s.endswith(suffix),
        "isEmpty": lambda s: not s,
        "equals": lambda s, other: s == other,
        "equalsIgnoreCase": lambda s, other: isinstance(other, str) and s.lower() == other.lower(),
        "replace": lambda s, old, new: s.replace(java_string(old), java_string(new)),
        "replaceFirst": lambda s, pattern, repl: re.sub(pattern, repl, s, count=1),
        "split": lambda s, pattern: re.split(pattern, s),
        "charAt": lambda s, i: s[i],
        "concat": lambda s, other: s + java_string(other),
        "toString": lambda s: s,
    },
    list: {
        "isEmpty": lambda items: not items,
        "toString": java_string,
        "indexOf": lambda items, v: items.index(v) if v in items else -1,
    },
    dict: {
        "size": len,
        "containsKey": lambda m, k: k in m,
        "containsValue": lambda m, v: v in m.values(),
        "entrySet": _entry_set,
        "toString": java_string,
    },
}


def install_java_methods(table: dict[type, dict[str, Any]] | None = None) -> None:
    """Add the Java methods airspeed lacks to its per-type method table (its documented
    extension point). Only missing names are added, so airspeed's own stay as they are."""
    target: dict[type, dict[str, Any]] = (
        table if table is not None else airspeed.__additional_methods__  # type: ignore[attr-defined]
    )
    for kind, methods in _JAVA_METHODS.items():
        existing = target.setdefault(kind, {})
        for name, method in methods.items():
            existing.setdefault(name, method)


install_java_methods()
