"""Stage 3 of the filter pattern pipeline: syntax tree -> a predicate on log messages.

Compiling turns the tree into nested closures once, so matching an event walks no tree.
Semantics follow AWS's documentation: terms are case-sensitive substrings; JSON
selectors that do not resolve never match (except `NOT EXISTS`); numeric comparisons
only match numeric values; `*` is a wildcard in string values; space-delimited events
are split on whitespace with `"..."` and `[...]` groups kept as one field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from lenticular.services.logs.filter_pattern.syntax import (
    And,
    Expression,
    FieldComparison,
    JsonCheck,
    JsonComparison,
    JsonPattern,
    Or,
    Pattern,
    SpaceDelimitedPattern,
    TermsPattern,
    Value,
)

Matcher = Callable[[str], bool]
_MISSING = object()


def compile_tree(pattern: Pattern) -> Matcher:
    if isinstance(pattern, TermsPattern):
        return _terms(pattern)
    if isinstance(pattern, JsonPattern):
        return _json(pattern)
    return _space_delimited(pattern)


# -- terms ---------------------------------------------------------------------------------


def _terms(pattern: TermsPattern) -> Matcher:
    def test(term_text: str, regex: bool) -> Callable[[str], bool]:
        if regex:
            compiled = re.compile(term_text)
            return lambda message: compiled.search(message) is not None
        return lambda message: term_text in message

    required = [test(t.text, t.regex) for t in pattern.terms if t.mode == "all"]
    optional = [test(t.text, t.regex) for t in pattern.terms if t.mode == "any"]
    excluded = [test(t.text, t.regex) for t in pattern.terms if t.mode == "none"]

    def match(message: str) -> bool:
        if not all(t(message) for t in required):
            return False
        if optional and not any(t(message) for t in optional):
            return False
        return not any(t(message) for t in excluded)

    return match


# -- values --------------------------------------------------------------------------------


def _string_test(value: Value) -> Callable[[str], bool]:
    if value.regex:
        compiled = re.compile(value.text)
        return lambda text: compiled.search(text) is not None
    if value.wildcard:
        compiled = re.compile(".*".join(re.escape(part) for part in value.text.split("*")), re.S)
        return lambda text: compiled.fullmatch(text) is not None
    expected = value.text
    return lambda text: text == expected


_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


# -- JSON ----------------------------------------------------------------------------------


def _json(pattern: JsonPattern) -> Matcher:
    test = _json_expression(pattern.expression)

    def match(message: str) -> bool:
        if not message.lstrip().startswith(("{", "[")):
            return False
        try:
            document = orjson.loads(message)
        except orjson.JSONDecodeError:
            return False
        return test(document)

    return match


def _resolve(document: Any, path: tuple[str | int, ...]) -> Any:
    node = document
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return _MISSING
            node = node[step]
        else:
            if not isinstance(node, dict) or step not in node:
                return _MISSING
            node = node[step]
    return node


def _scalar_text(node: Any) -> str | None:
    if isinstance(node, str):
        return node
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, int | float):
        return orjson.dumps(node).decode()
    return None


def _json_expression(expression: Expression) -> Callable[[Any], bool]:
    if isinstance(expression, And):
        left, right = _json_expression(expression.left), _json_expression(expression.right)
        return lambda doc: left(doc) and right(doc)
    if isinstance(expression, Or):
        left, right = _json_expression(expression.left), _json_expression(expression.right)
        return lambda doc: left(doc) or right(doc)
    if isinstance(expression, JsonCheck):
        path, check = expression.selector.path, expression.check
        if check == "not_exists":
            return lambda doc: _resolve(doc, path) is _MISSING
        wanted = {"null": None, "true": True, "false": False}[check]
        return lambda doc: _resolve(doc, path) is wanted
    assert isinstance(expression, JsonComparison)
    path, op, value = expression.selector.path, expression.op, expression.value
    if value.number is not None:
        compare, number = _NUMERIC[op], value.number

        def numeric(doc: Any) -> bool:
            node = _resolve(doc, path)
            if isinstance(node, bool) or not isinstance(node, int | float):
                return False
            return compare(float(node), number)

        return numeric
    test, negate = _string_test(value), op == "!="

    def textual(doc: Any) -> bool:
        text = _scalar_text(_resolve(doc, path))
        if text is None:
            return False
        return test(text) != negate

    return textual


# -- space-delimited -------------------------------------------------------------------------


def split_fields(message: str) -> list[str]:
    """Fields of a space-delimited event; `"a b"` and `[a b]` are one field each."""
    fields: list[str] = []
    i, n = 0, len(message)
    while i < n:
        ch = message[i]
        if ch.isspace():
            i += 1
            continue
        closer = {'"': '"', "[": "]"}.get(ch)
        if closer is not None:
            end = message.find(closer, i + 1)
            if end != -1:
                fields.append(message[i + 1 : end])
                i = end + 1
                continue
        start = i
        while i < n and not message[i].isspace():
            i += 1
        fields.append(message[start:i])
    return fields


def _field_expression(expression: Expression) -> Callable[[dict[str, str]], bool]:
    if isinstance(expression, And):
        left, right = _field_expression(expression.left), _field_expression(expression.right)
        return lambda bound: left(bound) and right(bound)
    if isinstance(expression, Or):
        left, right = _field_expression(expression.left), _field_expression(expression.right)
        return lambda bound: left(bound) or right(bound)
    assert isinstance(expression, FieldComparison)
    name, op, value = expression.name, expression.op, expression.value
    if value.number is not None:
        compare, number = _NUMERIC[op], value.number

        def numeric(bound: dict[str, str]) -> bool:
            try:
                return compare(float(bound[name]), number)
            except (KeyError, ValueError):
                return False

        return numeric
    test, negate = _string_test(value), op == "!="

    def textual(bound: dict[str, str]) -> bool:
        text = bound.get(name)
        return text is not None and test(text) != negate

    return textual


def _space_delimited(pattern: SpaceDelimitedPattern) -> Matcher:
    names = [f.name for f in pattern.fields]
    conditions = [_field_expression(f.condition) for f in pattern.fields if f.condition]
    fixed = sum(1 for name in names if name != "...")
    has_ellipsis = fixed != len(names)

    def bindings(fields: list[str], at: int, pos: int, bound: dict[str, str]) -> bool:
        """Try to align names[at:] with fields[pos:], checking conditions when complete."""
        if at == len(names):
            return pos == len(fields) and all(c(bound) for c in conditions)
        name = names[at]
        if name == "...":
            remaining = sum(1 for n in names[at + 1 :] if n != "...")
            return any(
                bindings(fields, at + 1, stop, bound)
                for stop in range(pos, len(fields) - remaining + 1)
            )
        if pos >= len(fields):
            return False
        bound[name] = fields[pos]
        return bindings(fields, at + 1, pos + 1, bound)

    def match(message: str) -> bool:
        fields = split_fields(message)
        if len(fields) < fixed or (not has_ellipsis and len(fields) != fixed):
            return False
        return bindings(fields, 0, 0, {})

    return match
