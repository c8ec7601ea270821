"""Stage 3a: static checks that depend only on the expression text (cached with the parse).

Order follows DynamoDB's: redundant parentheses, unknown functions, misplaced functions,
reserved words, nesting depth, repeated update clauses, operator count.
"""

from __future__ import annotations

from ..errors import ValidationException
from .ast import (
    And,
    Arith,
    Between,
    Call,
    Compare,
    In,
    Node,
    Not,
    Or,
    UpdateTree,
)
from .parser import Facts
from .reserved import RESERVED_WORDS

CONDITION_FUNCTIONS = frozenset(
    ("attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains")
)
UPDATE_FUNCTIONS = frozenset(("if_not_exists", "list_append"))
ALL_FUNCTIONS = CONDITION_FUNCTIONS | UPDATE_FUNCTIONS | {"size"}
MAX_NESTING = 32
MAX_OPERATORS = 300


def _invalid(kind: str, message: str) -> ValidationException:
    return ValidationException(f"Invalid {kind}: {message}")


def _misused(kind: str, name: str) -> ValidationException:
    return _invalid(
        kind, f"The function is not allowed to be used this way in an expression; function: {name}"
    )


def check_facts_first(kind: str, facts: Facts) -> None:
    if facts.redundant_parens:
        raise _invalid(kind, "The expression has redundant parentheses;")
    for name in facts.calls:
        if name not in ALL_FUNCTIONS:
            raise _invalid(kind, f"Invalid function name; function: {name}")


def check_facts_last(kind: str, facts: Facts) -> None:
    for name in facts.bare_names:
        if name.upper() in RESERVED_WORDS:
            raise _invalid(kind, f"Attribute name is a reserved keyword; reserved keyword: {name}")
    for path in facts.paths:
        if len(path.elements) > MAX_NESTING:
            raise _invalid(
                kind,
                "The document path has too many nesting levels; "
                f"nesting levels: {len(path.elements)}",
            )
    seen: set[str] = set()
    for clause in facts.clauses:
        if clause in seen:
            raise _invalid(
                kind, f'The "{clause}" section can only be used once in an update expression;'
            )
        seen.add(clause)
    if facts.operators > MAX_OPERATORS:
        raise _invalid(
            kind,
            f"The expression contains too many operators; operator count: {facts.operators}",
        )


def check_condition(kind: str, tree: Node, facts: Facts) -> None:
    check_facts_first(kind, facts)
    _condition_places(kind, tree)
    check_facts_last(kind, facts)


def _condition_places(kind: str, node: Node) -> None:
    """Condition functions stand alone as booleans; only size() may be an operand."""
    if isinstance(node, (And, Or)):
        _condition_places(kind, node.left)
        _condition_places(kind, node.right)
    elif isinstance(node, Not):
        _condition_places(kind, node.operand)
    elif isinstance(node, Call):
        if node.name in UPDATE_FUNCTIONS:
            raise _invalid(
                kind,
                f"The function is not allowed in a condition expression; function: {node.name}",
            )
        if node.name not in CONDITION_FUNCTIONS:
            raise _misused(kind, node.name)
        for arg in node.args:
            _operand_places(kind, arg)
    elif isinstance(node, Compare):
        _operand_places(kind, node.left)
        _operand_places(kind, node.right)
    elif isinstance(node, Between):
        for operand in (node.subject, node.low, node.high):
            _operand_places(kind, operand)
    elif isinstance(node, In):
        _operand_places(kind, node.subject)
        for operand in node.choices:
            _operand_places(kind, operand)


def _operand_places(kind: str, node: Node) -> None:
    if isinstance(node, Call):
        if node.name in UPDATE_FUNCTIONS:
            raise _invalid(
                kind,
                f"The function is not allowed in a condition expression; function: {node.name}",
            )
        if node.name != "size":
            raise _misused(kind, node.name)
        for arg in node.args:
            _operand_places(kind, arg)


def check_update(tree: UpdateTree, facts: Facts) -> None:
    kind = "UpdateExpression"
    check_facts_first(kind, facts)
    for action in tree.sets:
        _update_places(action.value, inside=None)
    check_facts_last(kind, facts)


def _update_places(node: Node, inside: str | None) -> None:
    if isinstance(node, Arith):
        _update_places(node.left, inside)
        _update_places(node.right, inside)
    elif isinstance(node, Call):
        if node.name not in UPDATE_FUNCTIONS:
            raise _invalid(
                "UpdateExpression",
                f"The function is not allowed in an update expression; function: {node.name}",
            )
        if node.name == "list_append" and inside == "list_append":
            raise _misused("UpdateExpression", node.name)
        for arg in node.args:
            _update_places(arg, node.name)


def check_projection(facts: Facts) -> None:
    check_facts_first("ProjectionExpression", facts)
    check_facts_last("ProjectionExpression", facts)
