"""Metric math for GetMetricData, a small subset: arithmetic (+ - * /, unary minus,
parentheses) over query ids and numbers, and SUM/AVG/MIN/MAX of a series or of
METRICS() (every MetricStat query's series, or those whose id starts with a string).

tokenize -> parse (a syntax tree of tuples) -> evaluate against the series of the other
queries. A series is {period start: value}; two series combine where both have a value.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Series = dict[float, float]
Node = tuple[Any, ...]

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<str>\"[^\"]*\"|'[^']*')|(?P<op>[-+*/(),]))"
)
_FUNCTIONS = {"SUM", "AVG", "MIN", "MAX", "METRICS"}


class ExpressionError(ValueError):
    """An expression lenticular cannot parse or evaluate (the message says why)."""


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"Unsupported character at position {pos + 1}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def parse(text: str) -> Node:
    tokens = tokenize(text)
    if not tokens:
        raise ExpressionError("Empty expression")
    node, pos = _sum(tokens, 0)
    if pos != len(tokens):
        raise ExpressionError(f"Unexpected '{tokens[pos][1]}'")
    return node


def references(node: Node) -> set[str]:
    """The query ids an expression names (METRICS() is resolved at evaluation)."""
    if node[0] == "id":
        return {node[1]}
    found: set[str] = set()
    for child in node[1:]:
        if isinstance(child, tuple):
            found |= references(child)
        elif isinstance(child, list):
            for item in child:
                found |= references(item)
    return found


def _sum(tokens: list[tuple[str, str]], pos: int) -> tuple[Node, int]:
    left, pos = _product(tokens, pos)
    while pos < len(tokens) and tokens[pos][1] in ("+", "-"):
        op = tokens[pos][1]
        right, pos = _product(tokens, pos + 1)
        left = ("op", op, left, right)
    return left, pos


def _product(tokens: list[tuple[str, str]], pos: int) -> tuple[Node, int]:
    left, pos = _unary(tokens, pos)
    while pos < len(tokens) and tokens[pos][1] in ("*", "/"):
        op = tokens[pos][1]
        right, pos = _unary(tokens, pos + 1)
        left = ("op", op, left, right)
    return left, pos


def _unary(tokens: list[tuple[str, str]], pos: int) -> tuple[Node, int]:
    if pos >= len(tokens):
        raise ExpressionError("Unexpected end of expression")
    kind, text = tokens[pos]
    if text == "-":
        operand, pos = _unary(tokens, pos + 1)
        return ("op", "*", ("num", -1.0), operand), pos
    if kind == "num":
        return ("num", float(text)), pos + 1
    if text == "(":
        inner, pos = _sum(tokens, pos + 1)
        return inner, _expect(tokens, pos, ")")
    if kind == "name":
        if pos + 1 < len(tokens) and tokens[pos + 1][1] == "(":
            return _call(tokens, pos)
        return ("id", text), pos + 1
    raise ExpressionError(f"Unexpected '{text}'")


def _call(tokens: list[tuple[str, str]], pos: int) -> tuple[Node, int]:
    name = tokens[pos][1].upper()
    if name not in _FUNCTIONS:
        raise ExpressionError(
            f"Unsupported function {tokens[pos][1]} (lenticular supports"
            " SUM, AVG, MIN, MAX and METRICS)"
        )
    pos += 2
    args: list[Node] = []
    while pos < len(tokens) and tokens[pos][1] != ")":
        if tokens[pos][0] == "str":
            args.append(("str", tokens[pos][1][1:-1]))
            pos += 1
        else:
            arg, pos = _sum(tokens, pos)
            args.append(arg)
        if pos < len(tokens) and tokens[pos][1] == ",":
            pos += 1
    pos = _expect(tokens, pos, ")")
    return ("call", name, args), pos


def _expect(tokens: list[tuple[str, str]], pos: int, text: str) -> int:
    if pos >= len(tokens) or tokens[pos][1] != text:
        raise ExpressionError(f"Expected '{text}'")
    return pos + 1


# -- evaluation ----------------------------------------------------------------------

Value = float | Series | list[Series]
_OPS: dict[str, Callable[[float, float], float | None]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b != 0 else None,
}
_REDUCE: dict[str, Callable[[list[float]], float]] = {
    "SUM": sum,
    "AVG": lambda values: sum(values) / len(values),
    "MIN": min,
    "MAX": max,
}


def evaluate(
    node: Node, lookup: Callable[[str], Series], metrics: Callable[[str], list[Series]]
) -> Value:
    """The value of `node`; `lookup(id)` gives a query's series, `metrics(prefix)` the
    MetricStat series whose ids start with prefix."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "id":
        return lookup(node[1])
    if kind == "op":
        left = evaluate(node[2], lookup, metrics)
        right = evaluate(node[3], lookup, metrics)
        return _combine(_OPS[node[1]], left, right)
    if kind == "call":
        name, args = node[1], node[2]
        if name == "METRICS":
            prefix = args[0][1] if args and args[0][0] == "str" else ""
            return metrics(prefix)
        if len(args) != 1:
            raise ExpressionError(f"{name} takes exactly one argument")
        return _reduce(_REDUCE[name], evaluate(args[0], lookup, metrics))
    raise ExpressionError("Unsupported expression")


def _combine(op: Callable[[float, float], float | None], left: Value, right: Value) -> Value:
    if isinstance(left, list):
        return [_combine(op, item, right) for item in left]  # type: ignore[misc]
    if isinstance(right, list):
        return [_combine(op, left, item) for item in right]  # type: ignore[misc]
    if isinstance(left, dict) and isinstance(right, dict):
        pairs = ((t, op(left[t], right[t])) for t in left if t in right)
    elif isinstance(left, dict):
        pairs = ((t, op(v, right)) for t, v in left.items())  # type: ignore[arg-type]
    elif isinstance(right, dict):
        pairs = ((t, op(left, v)) for t, v in right.items())
    else:
        result = op(left, right)
        if result is None:
            raise ExpressionError("Division by zero")
        return result
    return {t: v for t, v in pairs if v is not None}


def _reduce(fn: Callable[[list[float]], float], value: Value) -> Value:
    if isinstance(value, list):  # across series, per timestamp
        stamps: dict[float, list[float]] = {}
        for series in value:
            for t, v in series.items():
                stamps.setdefault(t, []).append(v)
        return {t: fn(values) for t, values in stamps.items()}
    if isinstance(value, dict):  # one series: a single number
        if not value:
            raise ExpressionError("No datapoints to aggregate")
        return fn(list(value.values()))
    return value
