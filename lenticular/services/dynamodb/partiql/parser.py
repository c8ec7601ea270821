"""Stage 2: recursive descent from tokens to a statement tree.

Grammar (DynamoDB's subset of PartiQL; keywords are case-insensitive):

    statement := select | insert | update | delete | [NOT] EXISTS ( select )
    select    := SELECT ( * | path {, path} ) FROM target [WHERE cond]
                 [ORDER BY path [ASC|DESC] {, path [ASC|DESC]}]
    insert    := INSERT INTO name VALUE expr
    update    := UPDATE target (SET assign {, assign} | REMOVE path {, path})+
                 [WHERE cond] [RETURNING (ALL|MODIFIED) (OLD|NEW) *]
    delete    := DELETE FROM target [WHERE cond] [RETURNING ALL OLD *]
    target    := name [. name]            name := word | "quoted"
    cond      := term {OR term};  term := factor {AND factor};  factor := NOT factor | pred
    pred      := ( cond ) | operand [cmp operand | [NOT] BETWEEN operand AND operand
                 | [NOT] IN ( list ) | IS [NOT] (MISSING|NULL)]
    operand   := path | literal | ? | [..] | {'k': v} | <<..>> | name(args) | operand +/- operand
"""

from __future__ import annotations

from . import ast
from .literals import ion_literal, number_literal
from .tokens import KEYWORDS, Token, malformed, tokenize

_COMPARISONS = ("=", "<>", "!=", "<", "<=", ">", ">=")
_MAX_DEPTH = 64


def parse(text: str) -> ast.Statement:
    return _Parser(tokenize(text)).statement()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.params = 0  # `?` seen so far: the next one's index
        self.depth = 0

    # -- token helpers -----------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def accept_keyword(self, *words: str) -> bool:
        if self.tok.is_keyword(*words):
            self.i += 1
            return True
        return False

    def accept_op(self, *ops: str) -> bool:
        if self.tok.is_op(*ops):
            self.i += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.accept_keyword(word):
            raise self.unexpected()

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            raise self.unexpected()

    def unexpected(self) -> Exception:
        tok = self.tok
        if tok.kind == "end":
            return malformed("Unexpected end of statement")
        if tok.kind == "word" and tok.text.upper() in KEYWORDS:
            return malformed("Unexpected keyword")
        return malformed("Unexpected token")

    # -- statements --------------------------------------------------------------------------

    def statement(self) -> ast.Statement:
        tok = self.tok
        if tok.is_keyword("SELECT"):
            stmt: ast.Statement = self.select()
        elif tok.is_keyword("INSERT"):
            stmt = self.insert()
        elif tok.is_keyword("UPDATE"):
            stmt = self.update()
        elif tok.is_keyword("DELETE"):
            stmt = self.delete()
        elif tok.is_keyword("EXISTS", "NOT"):
            stmt = self.exists()
        else:
            raise malformed("Expected data manipulation")
        self.accept_op(";")
        if self.tok.kind != "end":
            raise self.unexpected()
        return stmt

    def select(self) -> ast.Select:
        self.expect_keyword("SELECT")
        projection: tuple[ast.Path, ...] | None = None
        if not self.accept_op("*"):
            paths = [self.projection_path()]
            while self.accept_op(","):
                paths.append(self.projection_path())
            projection = tuple(paths)
        self.expect_keyword("FROM")
        target = self.target()
        where = self.where()
        order: list[tuple[ast.Path, bool]] = []
        if self.accept_keyword("ORDER"):
            self.expect_keyword("BY")
            while True:
                path = self.path()
                descending = False
                if self.accept_keyword("DESC"):
                    descending = True
                else:
                    self.accept_keyword("ASC")
                order.append((path, descending))
                if not self.accept_op(","):
                    break
        return ast.Select(target, projection, where, tuple(order))

    def projection_path(self) -> ast.Path:
        tok = self.tok
        if tok.kind == "word" and self.tokens[self.i + 1].is_op("("):
            # Aggregates and other functions are not projections DynamoDB accepts.
            raise malformed("Unexpected path component")
        return self.path()

    def insert(self) -> ast.Insert:
        self.expect_keyword("INSERT")
        self.expect_keyword("INTO")
        target = self.target()
        if target.index is not None:
            raise malformed("FROM clause may only contain a single table name")
        self.expect_keyword("VALUE")
        return ast.Insert(target, self.operand())

    def update(self) -> ast.Update:
        self.expect_keyword("UPDATE")
        target = self.target()
        actions: list[ast.Assign | ast.Path] = []
        while True:
            if self.accept_keyword("SET"):
                actions.append(self.assignment())
                while self.accept_op(","):
                    actions.append(self.assignment())
            elif self.accept_keyword("REMOVE"):
                actions.append(self.path())
                while self.accept_op(","):
                    actions.append(self.path())
            else:
                break
        if not actions:
            raise self.unexpected()
        where = self.where()
        return ast.Update(target, tuple(actions), where, self.returning())

    def assignment(self) -> ast.Assign:
        path = self.path()
        self.expect_op("=")
        return ast.Assign(path, self.operand())

    def delete(self) -> ast.Delete:
        self.expect_keyword("DELETE")
        self.expect_keyword("FROM")
        target = self.target()
        where = self.where()
        return ast.Delete(target, where, self.returning())

    def returning(self) -> str | None:
        tok = self.tok
        if not (tok.kind == "word" and tok.text.upper() == "RETURNING"):
            return None
        self.advance()
        words = []
        for choices in (("ALL", "MODIFIED"), ("OLD", "NEW")):
            tok = self.tok
            if tok.kind != "word" or tok.text.upper() not in choices:
                raise self.unexpected()
            words.append(tok.text.upper())
            self.advance()
        self.expect_op("*")
        return " ".join(words)

    def exists(self) -> ast.Exists:
        negated = self.accept_keyword("NOT")
        self.expect_keyword("EXISTS")
        self.expect_op("(")
        select = self.select()
        self.expect_op(")")
        return ast.Exists(select, negated)

    def where(self) -> ast.Cond | None:
        if self.accept_keyword("WHERE"):
            return self.condition()
        return None

    def target(self) -> ast.Target:
        table = self.name()
        index = self.name() if self.accept_op(".") else None
        return ast.Target(table, index)

    def name(self) -> str:
        tok = self.tok
        if tok.kind == "quoted" or (tok.kind == "word" and tok.text.upper() not in KEYWORDS):
            self.advance()
            return tok.text
        raise self.unexpected()

    # -- paths -------------------------------------------------------------------------------

    def path(self) -> ast.Path:
        elements: list[ast.PathElement] = [self.name()]
        while True:
            if self.accept_op("."):
                elements.append(self.name())
            elif self.accept_op("["):
                tok = self.tok
                if tok.kind == "number" and tok.text.isdigit():
                    elements.append(int(tok.text))
                elif tok.kind == "string":
                    elements.append(tok.text)
                else:
                    raise self.unexpected()
                self.advance()
                self.expect_op("]")
            else:
                return ast.Path(tuple(elements))

    # -- conditions --------------------------------------------------------------------------

    def condition(self) -> ast.Cond:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise malformed("Statement is nested too deeply")
        left = self.conjunction()
        while self.accept_keyword("OR"):
            left = ast.Or(left, self.conjunction())
        self.depth -= 1
        return left

    def conjunction(self) -> ast.Cond:
        left = self.negation()
        while self.accept_keyword("AND"):
            left = ast.And(left, self.negation())
        return left

    def negation(self) -> ast.Cond:
        if self.accept_keyword("NOT"):
            return ast.Not(self.negation())
        return self.predicate()

    def predicate(self) -> ast.Cond:
        if self.tok.is_op("("):
            # A parenthesised condition: operands never start with "(".
            self.advance()
            cond = self.condition()
            self.expect_op(")")
            return cond
        left = self.operand()
        tok = self.tok
        if tok.kind == "op" and tok.text in _COMPARISONS:
            self.advance()
            op = "<>" if tok.text == "!=" else tok.text
            return ast.Compare(op, left, self.operand())
        negated = self.accept_keyword("NOT")
        if self.accept_keyword("BETWEEN"):
            low = self.operand()
            self.expect_keyword("AND")
            cond: ast.Cond = ast.Between(left, low, self.operand())
        elif self.accept_keyword("IN"):
            cond = ast.In(left, self.in_list())
        elif not negated and self.accept_keyword("IS"):
            is_not = self.accept_keyword("NOT")
            if self.accept_keyword("MISSING"):
                return ast.Is(left, "MISSING", is_not)
            if self.accept_keyword("NULL"):
                return ast.Is(left, "NULL", is_not)
            raise self.unexpected()
        elif not negated and isinstance(left, ast.Call):
            return ast.FuncCond(left)
        else:
            raise self.unexpected()
        return ast.Not(cond) if negated else cond

    def in_list(self) -> tuple[ast.Expr, ...]:
        close = ")" if self.accept_op("(") else "]" if self.accept_op("[") else None
        if close is None:
            raise self.unexpected()
        items = [self.operand()]
        while self.accept_op(","):
            items.append(self.operand())
        self.expect_op(close)
        return tuple(items)

    # -- operands ----------------------------------------------------------------------------

    def operand(self) -> ast.Expr:
        left = self.primary()
        while self.tok.is_op("+", "-"):
            op = self.advance().text
            left = ast.Arith(op, left, self.primary())
        return left

    def primary(self) -> ast.Expr:
        tok = self.tok
        kind = tok.kind
        if kind == "string":
            self.advance()
            return ast.Literal({"S": tok.text})
        if kind == "number":
            self.advance()
            return ast.Literal(number_literal(tok.text))
        if kind == "ion":
            self.advance()
            return ast.Literal(ion_literal(tok.text))
        if kind == "quoted":
            return self.path()
        if kind == "word":
            upper = tok.text.upper()
            if upper in ("TRUE", "FALSE"):
                self.advance()
                return ast.Literal({"BOOL": upper == "TRUE"})
            if upper == "NULL":
                self.advance()
                return ast.Literal({"NULL": True})
            if upper == "MISSING":
                self.advance()
                return ast.Literal(None)
            if self.tokens[self.i + 1].is_op("(") and upper not in KEYWORDS:
                return self.call()
            return self.path()
        if tok.is_op("?"):
            self.advance()
            self.params += 1
            return ast.Param(self.params - 1)
        if tok.is_op("-") and self.tokens[self.i + 1].kind == "number":
            self.advance()
            return ast.Literal(number_literal("-" + self.advance().text))
        if tok.is_op("["):
            return ast.ListExpr(self.collection("[", "]"))
        if tok.is_op("<<"):
            return ast.SetExpr(self.collection("<<", ">>"))
        if tok.is_op("{"):
            return self.map()
        raise self.unexpected()

    def collection(self, open_op: str, close_op: str) -> tuple[ast.Expr, ...]:
        self.expect_op(open_op)
        items: list[ast.Expr] = []
        if not self.accept_op(close_op):
            items.append(self.operand())
            while self.accept_op(","):
                items.append(self.operand())
            self.expect_op(close_op)
        return tuple(items)

    def map(self) -> ast.MapExpr:
        self.expect_op("{")
        pairs: list[tuple[ast.Expr, ast.Expr]] = []
        if not self.accept_op("}"):
            while True:
                key = self.primary()
                self.expect_op(":")
                pairs.append((key, self.operand()))
                if not self.accept_op(","):
                    break
            self.expect_op("}")
        return ast.MapExpr(tuple(pairs))

    def call(self) -> ast.Call:
        name = self.advance().text.lower()
        self.expect_op("(")
        args: list[ast.Expr] = []
        if not self.accept_op(")"):
            args.append(self.operand())
            while self.accept_op(","):
                args.append(self.operand())
            self.expect_op(")")
        return ast.Call(name, tuple(args))
