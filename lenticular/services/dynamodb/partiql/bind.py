"""Stage 3a: bind `?` parameters and fold constant collections into AttributeValues.

After binding, every operand is a `Path`, a `Literal`, a `Call` or an `Arith`: lists,
maps and sets of constants have become single `Literal`s holding L, M and SS/NS/BS.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from lenticular.services.dynamodb.errors import ValidationException

from . import ast
from .literals import list_value, map_value, set_value

PARAMETER_COUNT = "Number of parameters in request and statement don't match."


def bind(stmt: ast.Statement, parameters: list[dict[str, Any]] | None) -> ast.Statement:
    binder = _Binder(parameters or [])
    bound = binder.statement(stmt)
    if binder.seen != len(binder.parameters):
        raise ValidationException(PARAMETER_COUNT)
    return bound


class _Binder:
    def __init__(self, parameters: list[dict[str, Any]]) -> None:
        self.parameters = parameters
        self.seen = 0

    def statement(self, stmt: ast.Statement) -> ast.Statement:
        if isinstance(stmt, ast.Select):
            return replace(stmt, where=self.cond(stmt.where))
        if isinstance(stmt, ast.Insert):
            return replace(stmt, item=self.expr(stmt.item))
        if isinstance(stmt, ast.Update):
            actions = tuple(
                ast.Assign(a.path, self.expr(a.value)) if isinstance(a, ast.Assign) else a
                for a in stmt.actions
            )
            return replace(stmt, actions=actions, where=self.cond(stmt.where))
        if isinstance(stmt, ast.Delete):
            return replace(stmt, where=self.cond(stmt.where))
        select = stmt.select
        return replace(stmt, select=replace(select, where=self.cond(select.where)))

    def cond(self, cond: ast.Cond | None) -> Any:
        if cond is None:
            return None
        if isinstance(cond, (ast.And, ast.Or)):
            return type(cond)(self.cond(cond.left), self.cond(cond.right))
        if isinstance(cond, ast.Not):
            return ast.Not(self.cond(cond.operand))
        if isinstance(cond, ast.Compare):
            return ast.Compare(cond.op, self.expr(cond.left), self.expr(cond.right))
        if isinstance(cond, ast.Between):
            return ast.Between(self.expr(cond.operand), self.expr(cond.low), self.expr(cond.high))
        if isinstance(cond, ast.In):
            return ast.In(self.expr(cond.operand), tuple(self.expr(i) for i in cond.items))
        if isinstance(cond, ast.Is):
            return ast.Is(self.expr(cond.operand), cond.what, cond.negated)
        return ast.FuncCond(self.expr(cond.call))  # type: ignore[arg-type]

    def expr(self, expr: ast.Expr) -> ast.Expr:
        if isinstance(expr, (ast.Path, ast.Literal)):
            return expr
        if isinstance(expr, ast.Param):
            self.seen += 1
            if expr.index >= len(self.parameters):
                return ast.Literal(None)  # reported as a count mismatch once binding ends
            return ast.Literal(self.parameters[expr.index])
        if isinstance(expr, ast.Call):
            return ast.Call(expr.name, tuple(self.expr(a) for a in expr.args))
        if isinstance(expr, ast.Arith):
            return ast.Arith(expr.op, self.expr(expr.left), self.expr(expr.right))
        if isinstance(expr, ast.MapExpr):
            pairs = [(self.constant(k), self.constant(v)) for k, v in expr.pairs]
            return ast.Literal(map_value(pairs))
        items = [self.constant(i) for i in expr.items]
        return ast.Literal(
            list_value(items) if isinstance(expr, ast.ListExpr) else set_value(items)
        )

    def constant(self, expr: ast.Expr) -> dict[str, Any] | None:
        bound = self.expr(expr)
        if not isinstance(bound, ast.Literal):
            raise ValidationException(
                "Collection literals may only contain constants and parameters"
            )
        return bound.value
