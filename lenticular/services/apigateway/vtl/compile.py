"""Template compilation: airspeed parses the VTL text into its syntax tree, then one walk
over the tree gives it API Gateway's semantics (`java`): references print Java-style and
render null as an empty string, and conditions use Velocity truth and equality.

Compiled templates are cached by their text; a tree holds no per-request state, so one
compiled template serves every request of every stage that uses it.
"""

from __future__ import annotations

import functools
from typing import Any

import airspeed

from lenticular.services.apigateway.vtl import java

_Element = airspeed._Element  # the base of airspeed's syntax tree nodes


class TemplateSyntaxError(ValueError):
    """The text is not a valid VTL template."""


class _Printed:
    """Stands in for a printed reference's expression: evaluates it, then gives the
    value's Java string (None stays None, which the silent reference prints as "")."""

    __slots__ = ("expression",)

    def __init__(self, expression: Any) -> None:
        self.expression = expression

    def calculate(self, namespace: Any, loader: Any) -> str | None:
        value = self.expression.calculate(namespace, loader)
        return None if value is None else java.java_string(value)


class _MapValues:
    """`#foreach` over a map walks its values in Velocity (airspeed walks the keys)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def calculate(self, namespace: Any, loader: Any) -> Any:
        found = self.value.calculate(namespace, loader)
        return list(found.values()) if isinstance(found, dict) else found


def _truthy(calculate: Any) -> Any:
    return lambda namespace, loader: java.truth(calculate(namespace, loader))


def _and(left: Any, right: Any) -> bool:
    return java.truth(left) and java.truth(right)


def _or(left: Any, right: Any) -> bool:
    return java.truth(left) or java.truth(right)


_BINARY = {
    "&&": _and, "and": _and, "||": _or, "or": _or,
    "==": java.equals, "eq": java.equals,
    "!=": lambda a, b: not java.equals(a, b), "ne": lambda a, b: not java.equals(a, b),
}  # fmt: skip


def _children(element: Any) -> list[Any]:
    found = []
    for value in vars(element).values():
        # Some nodes keep a child only through a bound method (`self.calculate =
        # expression.calculate`), so methods lead to their nodes too.
        value = getattr(value, "__self__", value)
        if isinstance(value, _Element):
            found.append(value)
        elif isinstance(value, list):
            found.extend(v for v in value if isinstance(v, _Element))
        elif isinstance(value, dict):  # a dictionary literal's key and value elements
            for key, item in value.items():
                found.extend(v for v in (key, item) if isinstance(v, _Element))
    return found


def _adapt(root: Any) -> None:
    """Give every node of the tree its Velocity-on-the-JVM behaviour (see `java`)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        stack.extend(_children(element))
        if isinstance(element, airspeed.FormalReference):
            if element.expression is not None:
                element.silent = True  # a null reference prints as nothing on API Gateway
                element.expression = _Printed(element.expression)
        elif isinstance(element, airspeed.Condition | airspeed.ElseifBlock):
            element.calculate = _truthy(element.calculate)
        elif isinstance(element, airspeed.BinaryOperator):
            operator = element.my_text().strip()
            if operator in _BINARY:
                element.apply_to = _BINARY[operator]
        elif isinstance(element, airspeed.ForeachDirective):
            element.value = _MapValues(element.value)
        elif isinstance(element, airspeed.UnaryOperatorValue):
            element.op = lambda value: not java.truth(value)


@functools.lru_cache(maxsize=512)
def compile_template(text: str) -> Any:
    """The airspeed template for `text`, adapted; TemplateSyntaxError if it does not parse."""
    template = airspeed.Template(text)
    try:
        template.ensure_compiled()
    except airspeed.TemplateSyntaxError as error:
        raise TemplateSyntaxError(str(error)) from None
    _adapt(template.root_element)
    return template
