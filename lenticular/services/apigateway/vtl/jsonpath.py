"""The JSONPath subset API Gateway's `$input.json`/`$input.path` and the
`...body.a.b` parameter mappings use: `$`, `.name`, `['name']`, `[n]` (negative counts
from the end), `[*]` and `.*`.

Two stages: `parse_path` turns the text into steps (cached), `evaluate` walks a parsed
JSON document. A path that selects nothing answers `MISSING`, which is not None (JSON
null), so `$input.path` can tell a missing member from an explicit null.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
"""

from __future__ import annotations

import functools
import re
from typing import Any

MISSING: Any = type(
    "Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False}
)()
WILDCARD = "*"

# One step: .name  .*  ['name'] / ["name"]  [n]  [*]
_STEP = re.compile(
    r"""\.(?P<name>[^.\[\]]+)"""
    r"""|\[\s*(?:'(?P<single>(?:[^'\\]|\\.)*)'|"(?P<double>(?:[^"\\]|\\.)*)"|(?P<index>-?\d+)|(?P<star>\*))\s*\]"""
)


class InvalidPath(ValueError):
    """The text is not a JSONPath of the supported subset."""


Step = str | int  # a member name, an index, or WILDCARD


@functools.lru_cache(maxsize=1024)
def parse_path(text: str) -> tuple[Step, ...]:
    """The steps of `text` ("$.a[0]['b c']" -> ("a", 0, "b c")); InvalidPath otherwise."""
    text = text.strip()
    if not text.startswith("$"):
        # API Gateway also accepts a bare member path ("a.b") in parameter mappings.
        text = "$." + text if text else "$"
    steps: list[Step] = []
    position = 1
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            raise InvalidPath(f"Invalid JSONPath {text!r} at position {position}")
        if match.group("name") is not None:
            name = match.group("name")
            steps.append(WILDCARD if name == "*" else name)
        elif match.group("index") is not None:
            steps.append(int(match.group("index")))
        elif match.group("star") is not None:
            steps.append(WILDCARD)
        else:
            quoted = match.group("single")
            if quoted is None:
                quoted = match.group("double")
            steps.append(re.sub(r"\\(.)", r"\1", quoted))
        position = match.end()
    return tuple(steps)


def _step(value: Any, step: Step) -> list[Any]:
    if step == WILDCARD:
        if isinstance(value, dict):
            return list(value.values())
        if isinstance(value, list):
            return list(value)
        return []
    if isinstance(step, int):
        if isinstance(value, list) and -len(value) <= step < len(value):
            return [value[step]]
        return []
    if isinstance(value, dict) and step in value:
        return [value[step]]
    return []


def evaluate(document: Any, steps: tuple[Step, ...]) -> Any:
    """What `steps` select in `document`: the value for a definite path, a list for a
    path with a wildcard, MISSING when a definite path selects nothing."""
    values = [document]
    for step in steps:
        values = [found for value in values for found in _step(value, step)]
    if WILDCARD in steps:
        return values
    return values[0] if values else MISSING


def select(document: Any, path: str) -> Any:
    return evaluate(document, parse_path(path))
