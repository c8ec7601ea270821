"""Stage 2's output: the syntax tree of a filter pattern, one dataclass per construct."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Comparison = Literal["=", "!=", "<", ">", "<=", ">="]


# -- unstructured terms ----------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Term:
    text: str  # matched as a case-sensitive substring of the message
    mode: Literal["all", "any", "none"]  # plain (must match), ?term (any of), -term (must not)
    regex: bool = False  # %regex% terms


@dataclass(slots=True, frozen=True)
class TermsPattern:
    terms: tuple[Term, ...]  # empty: matches every event


# -- values shared by JSON and space-delimited patterns ----------------------------------


@dataclass(slots=True, frozen=True)
class Value:
    text: str  # the value as written (quotes removed)
    number: float | None  # set when the value is a numeric literal
    wildcard: bool  # contains `*` (string match with wildcards)
    regex: bool = False  # written as %regex%


# -- JSON patterns ---------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Selector:
    source: str  # "$.a.b[0]"
    path: tuple[str | int, ...]  # ("a", "b", 0)


@dataclass(slots=True, frozen=True)
class JsonComparison:
    selector: Selector
    op: Comparison
    value: Value


@dataclass(slots=True, frozen=True)
class JsonCheck:
    """`IS NULL`, `NOT EXISTS`, `IS TRUE`, `IS FALSE`."""

    selector: Selector
    check: Literal["null", "not_exists", "true", "false"]


@dataclass(slots=True, frozen=True)
class And:
    left: Expression
    right: Expression


@dataclass(slots=True, frozen=True)
class Or:
    left: Expression
    right: Expression


@dataclass(slots=True, frozen=True)
class JsonPattern:
    expression: Expression


# -- space-delimited patterns ------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class FieldComparison:
    name: str  # a field named in the pattern's list
    op: Comparison
    value: Value


@dataclass(slots=True, frozen=True)
class Field:
    name: str  # "..." for the ellipsis (any number of fields)
    condition: Expression | None  # FieldComparison combined with And/Or, or None


@dataclass(slots=True, frozen=True)
class SpaceDelimitedPattern:
    fields: tuple[Field, ...]


Expression = JsonComparison | JsonCheck | FieldComparison | And | Or
Pattern = TermsPattern | JsonPattern | SpaceDelimitedPattern
