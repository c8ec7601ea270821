"""PartiQL trees -> DynamoDB expression text with ExpressionAttributeNames/Values.

Every attribute name becomes a `#name` placeholder (so reserved words and odd characters
need no care) and every literal a `:value` placeholder; the classic expression engine then
parses the text, which gives PartiQL exactly the classic API's semantics and errors.
"""

from __future__ import annotations

from typing import Any

from lenticular.services.dynamodb.errors import ValidationException

from . import ast

# Functions the condition and update grammars share with DynamoDB's expressions.
_CONDITION_FUNCTIONS = frozenset(("begins_with", "contains", "attribute_type", "size"))
_UPDATE_FUNCTIONS = frozenset(("list_append", "if_not_exists"))
_SET_FUNCTIONS = {"set_add": "ADD", "set_delete": "DELETE"}
_PRECEDENCE = {ast.Or: 1, ast.And: 2, ast.Not: 3}
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def unsupported_function(name: str) -> ValidationException:
    return ValidationException(f"Unsupported function: {name}")


class Renderer:
    """Accumulates the placeholders of the expressions of ONE wire request."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.names: dict[str, str] = {}  # placeholder -> attribute name
        self.values: dict[str, dict[str, Any]] = {}  # placeholder -> AttributeValue
        self._placeholders: dict[str, str] = {}  # attribute name -> placeholder

    def attach(self, params: dict[str, Any]) -> dict[str, Any]:
        """Add the names and values used so far to wire parameters (only if any)."""
        if self.names:
            params["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            params["ExpressionAttributeValues"] = dict(self.values)
        return params

    # -- operands ----------------------------------------------------------------------------

    def name(self, name: str) -> str:
        placeholder = self._placeholders.get(name)
        if placeholder is None:
            placeholder = f"#{self.prefix}n{len(self._placeholders)}"
            self._placeholders[name] = placeholder
            self.names[placeholder] = name
        return placeholder

    def path(self, path: ast.Path) -> str:
        out = [self.name(path.top)]
        for element in path.elements[1:]:
            out.append(f"[{element}]" if isinstance(element, int) else "." + self.name(element))
        return "".join(out)

    def value(self, value: dict[str, Any] | None) -> str:
        if value is None:
            raise ValidationException("MISSING is not a valid value here")
        placeholder = f":{self.prefix}v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def operand(self, expr: ast.Expr, functions: frozenset[str] = _CONDITION_FUNCTIONS) -> str:
        if isinstance(expr, ast.Path):
            return self.path(expr)
        if isinstance(expr, ast.Literal):
            return self.value(expr.value)
        if isinstance(expr, ast.Call):
            if expr.name not in functions:
                raise unsupported_function(expr.name)
            args = ", ".join(self.operand(a, functions) for a in expr.args)
            return f"{expr.name}({args})"
        if isinstance(expr, ast.Arith):
            left = self.operand(expr.left, functions)
            return f"{left} {expr.op} {self.operand(expr.right, functions)}"
        raise ValidationException("Unsupported operand")  # unbound collections

    def projection(self, paths: tuple[ast.Path, ...]) -> str:
        return ", ".join(self.path(p) for p in paths)

    # -- conditions --------------------------------------------------------------------------

    def condition(self, cond: ast.Cond) -> str:
        if isinstance(cond, (ast.And, ast.Or)):
            word = " AND " if isinstance(cond, ast.And) else " OR "
            return self._child(cond.left, cond) + word + self._child(cond.right, cond)
        if isinstance(cond, ast.Not):
            return "NOT " + self._child(cond.operand, cond)
        if isinstance(cond, ast.Compare):
            return self._compare(cond)
        if isinstance(cond, ast.Between):
            operand, low, high = (self.operand(e) for e in (cond.operand, cond.low, cond.high))
            return f"{operand} BETWEEN {low} AND {high}"
        if isinstance(cond, ast.In):
            items = ", ".join(self.operand(i) for i in cond.items)
            return f"{self.operand(cond.operand)} IN ({items})"
        if isinstance(cond, ast.Is):
            return self._is(cond)
        call = cond.call
        if call.name == "size":
            raise ValidationException("size() is not a condition; compare it with a value")
        return self.operand(call)

    def _child(self, child: ast.Cond, parent: ast.Cond) -> str:
        text = self.condition(child)
        if _PRECEDENCE.get(type(child), 4) < _PRECEDENCE[type(parent)]:
            return f"({text})"
        return text

    def _compare(self, cond: ast.Compare) -> str:
        left, right, op = cond.left, cond.right, cond.op
        if isinstance(left, ast.Literal) and left.value is None:
            left, right, op = right, left, _FLIPPED[op]
        if isinstance(right, ast.Literal) and right.value is None:  # a = MISSING
            if op not in ("=", "<>") or not isinstance(left, ast.Path):
                return self.value(None)  # raises
            word = "attribute_not_exists" if op == "=" else "attribute_exists"
            return f"{word}({self.path(left)})"
        return f"{self.operand(left)} {op} {self.operand(right)}"

    def _is(self, cond: ast.Is) -> str:
        if not isinstance(cond.operand, ast.Path):
            raise ValidationException(f"IS {cond.what} needs an attribute path")
        path = self.path(cond.operand)
        if cond.what == "MISSING":
            return f"attribute_exists({path})" if cond.negated else f"attribute_not_exists({path})"
        null = self.value({"S": "NULL"})
        if cond.negated:  # in PartiQL, MISSING IS NULL too
            return f"(attribute_exists({path}) AND NOT attribute_type({path}, {null}))"
        return f"(attribute_not_exists({path}) OR attribute_type({path}, {null}))"

    # -- updates -----------------------------------------------------------------------------

    def update(self, actions: tuple[ast.Assign | ast.Path, ...]) -> str:
        clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
        for action in actions:
            if isinstance(action, ast.Path):
                clauses["REMOVE"].append(self.path(action))
                continue
            value = action.value
            if isinstance(value, ast.Call) and value.name in _SET_FUNCTIONS:
                if len(value.args) != 2 or value.args[0] != action.path:
                    raise ValidationException(
                        f"{value.name} must take the attribute being set as its first argument"
                    )
                clause = _SET_FUNCTIONS[value.name]
                clauses[clause].append(
                    f"{self.path(action.path)} {self.operand(value.args[1], _UPDATE_FUNCTIONS)}"
                )
                continue
            if isinstance(value, ast.Literal) and value.value is None:  # SET a = MISSING
                clauses["REMOVE"].append(self.path(action.path))
                continue
            target = self.path(action.path)
            clauses["SET"].append(f"{target} = {self.operand(value, _UPDATE_FUNCTIONS)}")
        return " ".join(f"{word} {', '.join(parts)}" for word, parts in clauses.items() if parts)
