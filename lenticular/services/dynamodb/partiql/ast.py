"""Stage 2: the syntax tree of DynamoDB's PartiQL statements.

Operands (`Expr`) are paths, literals and `?` parameters, collections built from them,
function calls and `+`/`-`; conditions (`Cond`) combine comparisons with AND/OR/NOT.
`bind.py` replaces every `Param` and collection of constants with a `Literal` holding a
wire AttributeValue, so later stages see only paths, literals and calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

PathElement = Union[str, int]  # noqa: UP007  # attribute or map key, or list index


@dataclass(frozen=True, slots=True)
class Path:
    """A document path: `a.b[2]` is ("a", "b", 2)."""

    elements: tuple[PathElement, ...]

    @property
    def top(self) -> str:
        return str(self.elements[0])

    @property
    def is_top_level(self) -> bool:
        return len(self.elements) == 1


# -- operands ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: dict[str, Any] | None  # a wire AttributeValue; None is PartiQL's MISSING


@dataclass(frozen=True, slots=True)
class Param:
    index: int  # 0-based position of the `?` in the statement


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class MapExpr:
    pairs: tuple[tuple[Expr, Expr], ...]  # key (a string literal or parameter), value


@dataclass(frozen=True, slots=True)
class SetExpr:
    items: tuple[Expr, ...]  # << ... >>


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # lower-cased function name
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # "+" or "-"
    left: Expr
    right: Expr


Expr = Union[Path, Literal, Param, ListExpr, MapExpr, SetExpr, Call, Arith]  # noqa: UP007


# -- conditions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # =, <>, <, <=, >, >=  ("!=" is normalised to "<>")
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Between:
    operand: Expr
    low: Expr
    high: Expr


@dataclass(frozen=True, slots=True)
class In:
    operand: Expr
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Is:
    operand: Expr
    what: str  # "MISSING" or "NULL"
    negated: bool


@dataclass(frozen=True, slots=True)
class FuncCond:
    call: Call  # begins_with, contains, attribute_type


@dataclass(frozen=True, slots=True)
class And:
    left: Cond
    right: Cond


@dataclass(frozen=True, slots=True)
class Or:
    left: Cond
    right: Cond


@dataclass(frozen=True, slots=True)
class Not:
    operand: Cond


Cond = Union[Compare, Between, In, Is, FuncCond, And, Or, Not]  # noqa: UP007


# -- statements -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    table: str
    index: str | None = None  # "table"."index"


@dataclass(frozen=True, slots=True)
class Select:
    target: Target
    projection: tuple[Path, ...] | None  # None is `*`
    where: Cond | None
    order_by: tuple[tuple[Path, bool], ...] = ()  # (path, descending)


@dataclass(frozen=True, slots=True)
class Insert:
    target: Target
    item: Expr  # a map literal or a parameter holding an M


@dataclass(frozen=True, slots=True)
class Assign:
    path: Path
    value: Expr


@dataclass(frozen=True, slots=True)
class Update:
    target: Target
    actions: tuple[Assign | Path, ...]  # SET a = v (Assign) and REMOVE a (Path), in order
    where: Cond | None
    returning: str | None = None  # "ALL OLD", "ALL NEW", "MODIFIED OLD", "MODIFIED NEW"


@dataclass(frozen=True, slots=True)
class Delete:
    target: Target
    where: Cond | None
    returning: str | None = None


@dataclass(frozen=True, slots=True)
class Exists:
    """EXISTS(SELECT ...) / NOT EXISTS(SELECT ...): a condition check in a transaction."""

    select: Select
    negated: bool = False


Statement = Union[Select, Insert, Update, Delete, Exists]  # noqa: UP007


def conjuncts(cond: Cond | None) -> list[Cond]:
    """The terms of a top-level AND chain (a single term when there is no AND)."""
    if cond is None:
        return []
    if isinstance(cond, And):
        return conjuncts(cond.left) + conjuncts(cond.right)
    return [cond]
