"""Stage 2: recursive-descent parsers for the five expression grammars.

Each parse returns the tree plus `Facts` the parser noticed on the way (redundant
parentheses, operator count, clause order, bare names and calls in source order) so the
static checks in `validate.py` can report errors in DynamoDB's order without re-walking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ValidationException
from .ast import (
    CONDITION_NODES,
    AddAction,
    And,
    Arith,
    Between,
    Call,
    Compare,
    DeleteAction,
    In,
    NameRef,
    Node,
    Not,
    Or,
    Path,
    ProjectionTree,
    RemoveAction,
    SetAction,
    UpdateTree,
    ValueRef,
)
from .tokens import EOF, IDENT, INTEGER, NAME_REF, PUNCT, VALUE_REF, Token, syntax_error, tokenize

COMPARATORS = frozenset(("=", "<>", "<", "<=", ">", ">="))
_CONDITION_KEYWORDS = frozenset(("AND", "OR", "NOT", "BETWEEN", "IN"))
_CLAUSES = frozenset(("SET", "REMOVE", "ADD", "DELETE"))
MAX_EXPRESSION_BYTES = 4096
MAX_LIST_INDEX = 2**31 - 1  # indexes are 32-bit integers
_MAX_PAREN_DEPTH = 150  # keeps Python's recursion bounded; DynamoDB refuses far less


@dataclass(slots=True)
class Facts:
    redundant_parens: bool = False
    operators: int = 0
    clauses: list[str] = field(default_factory=list)
    bare_names: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)


def check_text(kind: str, text: str) -> None:
    """The checks made on the raw string: empty, and the 4 KB limit."""
    if not text.strip():
        raise ValidationException(f"Invalid {kind}: The expression can not be empty;")
    size = len(text.encode("utf-8"))
    if size > MAX_EXPRESSION_BYTES:
        raise ValidationException(
            f"Invalid {kind}: Expression size has exceeded the maximum allowed size; "
            f"expression size: {size}"
        )


class Parser:
    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text
        self.tokens: list[Token] = tokenize(text)
        self.i = 0
        self.facts = Facts()
        self._parenthesized: set[int] = set()
        self._depth = 0
        self._update = kind == "UpdateExpression"

    # -- token helpers -------------------------------------------------------------
    def fail(self, at: int | None = None) -> ValidationException:
        return syntax_error(self.kind, self.text, self.tokens, self.i if at is None else at)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def at_punct(self, text: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == PUNCT and tok.text == text

    def at_keyword(self, word: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == IDENT and tok.text.upper() == word

    def expect_punct(self, text: str) -> None:
        if not self.at_punct(text):
            raise self.fail()
        self.i += 1

    def expect_end(self) -> None:
        if self.tokens[self.i].kind != EOF:
            raise self.fail()

    # -- paths -----------------------------------------------------------------------
    def _name(self) -> str | NameRef:
        tok = self.tokens[self.i]
        if tok.kind == IDENT:
            self.i += 1
            self.facts.bare_names.append(tok.text)
            return tok.text
        if tok.kind == NAME_REF:
            self.i += 1
            return NameRef(tok.text)
        raise self.fail()

    def path(self) -> Path:
        tok = self.tokens[self.i]
        if tok.kind == IDENT and (
            tok.text.upper() in _CONDITION_KEYWORDS
            or (self._update and tok.text.upper() in _CLAUSES)
        ):
            raise self.fail()
        elements: list = [self._name()]
        while True:
            if self.at_punct("."):
                self.i += 1
                elements.append(self._name())
            elif self.at_punct("["):
                self.i += 1
                tok = self.tokens[self.i]
                if tok.kind != INTEGER:
                    raise self.fail()
                self.i += 1
                index = int(tok.text)
                if index > MAX_LIST_INDEX:
                    raise ValidationException(
                        f"Invalid {self.kind}: List index is too large; index: {tok.text}"
                    )
                elements.append(index)
                self.expect_punct("]")
            else:
                break
        result = Path(tuple(elements))
        self.facts.paths.append(result)
        return result

    def _value_ref(self) -> ValueRef:
        tok = self.tokens[self.i]
        self.i += 1
        if self.at_punct(".") or self.at_punct("["):
            raise self.fail()
        return ValueRef(tok.text)

    def _nest(self, call: bool = False) -> None:
        """One level deeper (a parenthesis, NOT or a call): bounded, so parsing never
        exhausts Python's stack."""
        self._depth += 1
        if self._depth > _MAX_PAREN_DEPTH:
            if call:
                raise ValidationException(
                    f"Invalid {self.kind}: The expression nests function calls too deeply;"
                    f" nesting depth exceeds {_MAX_PAREN_DEPTH}"
                )
            raise ValidationException(
                f"Invalid {self.kind}: The expression contains too many operators; "
                f"operator count: {max(self.facts.operators, 301)}"
            )

    def _call(self, argument) -> Call:
        name = self.tokens[self.i].text
        self.facts.calls.append(name)
        self.i += 2  # name and "("
        self._nest(call=True)
        args: list[Node] = []
        if not self.at_punct(")"):
            while True:
                arg = argument()
                if isinstance(arg, CONDITION_NODES):
                    raise self.fail()
                args.append(arg)
                if self.at_punct(","):
                    self.i += 1
                    continue
                break
        self.expect_punct(")")
        self._depth -= 1
        return Call(name, tuple(args))

    def _is_call(self) -> bool:
        nxt = self.tokens[self.i + 1]
        return nxt.kind == PUNCT and nxt.text == "("

    # -- conditions ------------------------------------------------------------------
    def condition_expression(self) -> Node:
        node = self.disjunction()
        self.expect_end()
        return self._condition_only(node)

    def _condition_only(self, node: Node) -> Node:
        """A bare path or value may stand in parentheses, never as a condition."""
        if isinstance(node, (Path, ValueRef)):
            raise self.fail()
        return node

    def disjunction(self) -> Node:
        left = self.conjunction()
        while self.at_keyword("OR"):
            self._condition_only(left)
            self.i += 1
            self.facts.operators += 1
            left = Or(left, self._condition_only(self.conjunction()))
        return left

    def conjunction(self) -> Node:
        left = self.negation()
        while self.at_keyword("AND"):
            self._condition_only(left)
            self.i += 1
            self.facts.operators += 1
            left = And(left, self._condition_only(self.negation()))
        return left

    def negation(self) -> Node:
        if self.at_keyword("NOT"):
            self.i += 1
            self.facts.operators += 1
            self._nest()  # NOT NOT NOT ... recurses too
            inner = self._condition_only(self.negation())
            self._depth -= 1
            return Not(inner)
        return self.comparison()

    def _operand_only(self, node: Node, at: int) -> Node:
        if isinstance(node, CONDITION_NODES):
            raise self.fail(at)
        return node

    def comparison(self) -> Node:
        left = self.operand()
        tok = self.tokens[self.i]
        if tok.kind == PUNCT and tok.text in COMPARATORS:
            self._operand_only(left, self.i)
            self.i += 1
            self.facts.operators += 1
            right = self.operand()
            return Compare(tok.text, left, self._operand_only(right, self.i))
        if self.at_keyword("BETWEEN"):
            self._operand_only(left, self.i)
            self.i += 1
            self.facts.operators += 1
            low = self._operand_only(self.operand(), self.i)
            if not self.at_keyword("AND"):
                raise self.fail()
            self.i += 1
            high = self._operand_only(self.operand(), self.i)
            return Between(left, low, high)
        if self.at_keyword("IN"):
            self._operand_only(left, self.i)
            self.i += 1
            self.facts.operators += 1
            self.expect_punct("(")
            choices = [self._operand_only(self.operand(), self.i)]
            while self.at_punct(","):
                self.i += 1
                choices.append(self._operand_only(self.operand(), self.i))
            self.expect_punct(")")
            return In(left, tuple(choices))
        return left

    def operand(self) -> Node:
        tok = self.tokens[self.i]
        if tok.kind == PUNCT and tok.text == "(":
            self.i += 1
            self._nest()
            inner = self.disjunction()
            self.expect_punct(")")
            self._depth -= 1
            if id(inner) in self._parenthesized:
                self.facts.redundant_parens = True
            self._parenthesized.add(id(inner))
            return inner
        if tok.kind == IDENT and self._is_call():
            return self._call(self.operand)
        if tok.kind in (IDENT, NAME_REF):
            return self.path()
        if tok.kind == VALUE_REF:
            return self._value_ref()
        raise self.fail()

    # -- updates -----------------------------------------------------------------------
    def update_expression(self) -> UpdateTree:
        groups: dict[str, list] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
        ordered: list = []
        while self.tokens[self.i].kind != EOF:
            tok = self.tokens[self.i]
            clause = tok.text.upper() if tok.kind == IDENT else ""
            if clause not in _CLAUSES:
                raise self.fail()
            self.facts.clauses.append(clause)
            self.i += 1
            actions = groups[clause]
            while True:
                action = self._action(clause)
                actions.append(action)
                ordered.append(action)
                if not self.at_punct(","):
                    break
                self.i += 1
        return UpdateTree(
            tuple(groups["SET"]),
            tuple(groups["REMOVE"]),
            tuple(groups["ADD"]),
            tuple(groups["DELETE"]),
            tuple(ordered),
        )

    def _action(self, clause: str):
        path = self.path()
        if clause == "SET":
            self.expect_punct("=")
            return SetAction(path, self.set_value())
        if clause == "REMOVE":
            return RemoveAction(path)
        if self.tokens[self.i].kind != VALUE_REF:
            raise self.fail()
        value = self._value_ref()
        return AddAction(path, value) if clause == "ADD" else DeleteAction(path, value)

    def set_value(self) -> Node:
        left = self.set_operand()
        if self.at_punct("+") or self.at_punct("-"):
            op = self.tokens[self.i].text
            self.i += 1
            self.facts.operators += 1
            return Arith(op, left, self.set_operand())
        return left

    def set_operand(self) -> Node:
        tok = self.tokens[self.i]
        if tok.kind == IDENT and self._is_call():
            return self._call(self.set_operand)
        if tok.kind in (IDENT, NAME_REF):
            return self.path()
        if tok.kind == VALUE_REF:
            return self._value_ref()
        raise self.fail()

    # -- projections ---------------------------------------------------------------------
    def projection_expression(self) -> ProjectionTree:
        paths = [self.path()]
        while self.at_punct(","):
            self.i += 1
            paths.append(self.path())
        self.expect_end()
        return ProjectionTree(tuple(paths))


def parse_condition(kind: str, text: str) -> tuple[Node, Facts]:
    check_text(kind, text)
    parser = Parser(kind, text)
    return parser.condition_expression(), parser.facts


def parse_update(text: str) -> tuple[UpdateTree, Facts]:
    check_text("UpdateExpression", text)
    parser = Parser("UpdateExpression", text)
    tree = parser.update_expression()
    return tree, parser.facts


def parse_projection(text: str) -> tuple[ProjectionTree, Facts]:
    check_text("ProjectionExpression", text)
    parser = Parser("ProjectionExpression", text)
    return parser.projection_expression(), parser.facts
