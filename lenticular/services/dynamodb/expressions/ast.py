"""Stage 2: the syntax tree of every expression grammar.

The parser produces trees whose names and values are still references (`NameRef`,
`ValueRef`); `resolve.py` turns them into trees of plain names and `Literal` values,
which `evaluate.py` runs. Nodes are frozen and shared through the parse cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True, slots=True)
class NameRef:
    """A `#name` element of a document path, before substitution."""

    ref: str


PathElement = Union[str, int, NameRef]  # noqa: UP007  # attribute/map key, list index, or #ref


@dataclass(frozen=True, slots=True)
class Path:
    """A document path: `a.b[2].#c` is ("a", "b", 2, NameRef("#c"))."""

    elements: tuple[PathElement, ...]

    def describe(self) -> str:
        """DynamoDB's rendering in error messages: [a, b, [2], c]."""
        parts = [f"[{e}]" if isinstance(e, int) else str(e) for e in self.elements]
        return "[" + ", ".join(parts) + "]"


@dataclass(frozen=True, slots=True)
class ValueRef:
    """A `:value` placeholder, before substitution."""

    ref: str


@dataclass(frozen=True, slots=True)
class Literal:
    """A substituted ExpressionAttributeValues entry (wire AttributeValue)."""

    value: dict


@dataclass(frozen=True, slots=True)
class Call:
    """A function call: condition functions, size(), if_not_exists(), list_append()."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Arith:
    """`left + right` or `left - right` (update SET values only)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Compare:
    """`left op right` with op one of = <> < <= > >=."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Between:
    subject: Node
    low: Node
    high: Node


@dataclass(frozen=True, slots=True)
class In:
    subject: Node
    choices: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


Node = Union[  # noqa: UP007 (a runtime alias, evaluated before the classes are all defined)
    Path, ValueRef, Literal, Call, Arith, Compare, Between, In, And, Or, Not
]
CONDITION_NODES = (Compare, Between, In, And, Or, Not)


@dataclass(frozen=True, slots=True)
class SetAction:
    path: Path
    value: Node


@dataclass(frozen=True, slots=True)
class RemoveAction:
    path: Path


@dataclass(frozen=True, slots=True)
class AddAction:
    path: Path
    value: Node


@dataclass(frozen=True, slots=True)
class DeleteAction:
    path: Path
    value: Node


@dataclass(frozen=True, slots=True)
class UpdateTree:
    """An UpdateExpression: each clause at most once, actions in source order."""

    sets: tuple[SetAction, ...] = ()
    removes: tuple[RemoveAction, ...] = ()
    adds: tuple[AddAction, ...] = ()
    deletes: tuple[DeleteAction, ...] = ()
    ordered: tuple = ()  # every action, in source order (for error reporting)


@dataclass(frozen=True, slots=True)
class ProjectionTree:
    paths: tuple[Path, ...]


def top_level_names(node: object) -> list[str]:
    """The attribute every document path of a resolved tree starts with, in tree order."""
    out: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Path):
            out.append(str(current.elements[0]))
        elif isinstance(current, tuple):
            stack.extend(reversed(current))
        elif hasattr(current, "__dataclass_fields__"):
            stack.extend(reversed([getattr(current, f) for f in current.__dataclass_fields__]))
    return out
