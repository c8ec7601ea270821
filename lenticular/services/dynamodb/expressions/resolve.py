"""Stage 3b: substitute ExpressionAttributeNames/Values and check what depends on them.

Resolution walks the tree in source order (so the first undefined `#name` or `:value` is
the one reported), records which names and values were used, and replaces references
with plain names and `Literal`s. The semantic checks that need the values (operand
counts and types, BETWEEN bounds, distinct operands) run on the resolved tree.
"""

from __future__ import annotations

from ..errors import ValidationException
from .ast import (
    AddAction,
    And,
    Arith,
    Between,
    Call,
    Compare,
    DeleteAction,
    In,
    Literal,
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
from .values import TYPE_LONG_NAMES, VALID_TYPES, describe, order, type_of

ARITY = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
    "size": 1,
    "if_not_exists": 2,
    "list_append": 2,
}
MAX_IN_OPERANDS = 100


class Resolver:
    """Resolves the expressions of one request; remembers which refs they used."""

    def __init__(self, names: dict[str, str] | None, values: dict[str, dict] | None) -> None:
        self.names = names or {}
        self.values = values or {}
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()
        self.kind = ""

    def error(self, message: str) -> ValidationException:
        return ValidationException(f"Invalid {self.kind}: {message}")

    # -- references ------------------------------------------------------------------
    def path(self, path: Path) -> Path:
        elements = path.elements
        if not any(isinstance(e, NameRef) for e in elements):
            return path
        out = []
        for e in elements:
            if isinstance(e, NameRef):
                name = self.names.get(e.ref)
                if name is None:
                    raise self.error(
                        "An expression attribute name used in the document path is not defined; "
                        f"attribute name: {e.ref}"
                    )
                self.used_names.add(e.ref)
                out.append(name)
            else:
                out.append(e)
        return Path(tuple(out))

    def node(self, node: Node) -> Node:
        if isinstance(node, Path):
            return self.path(node)
        if isinstance(node, ValueRef):
            value = self.values.get(node.ref)
            if value is None:
                raise self.error(
                    "An expression attribute value used in expression is not defined; "
                    f"attribute value: {node.ref}"
                )
            self.used_values.add(node.ref)
            return Literal(value)
        if isinstance(node, Call):
            return Call(node.name, tuple(self.node(a) for a in node.args))
        if isinstance(node, Arith):
            return Arith(node.op, self.node(node.left), self.node(node.right))
        if isinstance(node, Compare):
            return Compare(node.op, self.node(node.left), self.node(node.right))
        if isinstance(node, Between):
            return Between(self.node(node.subject), self.node(node.low), self.node(node.high))
        if isinstance(node, In):
            if len(node.choices) > MAX_IN_OPERANDS:
                raise self.error(
                    "The IN operator is provided with too many operands; "
                    f"number of operands: {len(node.choices)}"
                )
            return In(self.node(node.subject), tuple(self.node(c) for c in node.choices))
        if isinstance(node, And):
            return And(self.node(node.left), self.node(node.right))
        if isinstance(node, Or):
            return Or(self.node(node.left), self.node(node.right))
        if isinstance(node, Not):
            return Not(self.node(node.operand))
        return node

    def _check_call(self, name: str, args: tuple[Node, ...]) -> None:
        if len(args) != ARITY[name]:
            raise self.error(
                "Incorrect number of operands for operator or function; "
                f"operator or function: {name}, number of operands: {len(args)}"
            )
        if name in ("attribute_exists", "attribute_not_exists", "if_not_exists"):
            if not isinstance(args[0], Path):
                raise self.error(
                    f"Operator or function requires a document path; operator or function: {name}"
                )

    # -- semantic checks on resolved trees ------------------------------------------------
    def operand_type(self, node: Node) -> str | None:
        """The statically known type of an operand, if any."""
        if isinstance(node, Literal):
            return type_of(node.value)
        if isinstance(node, Call) and node.name == "size":
            return "N"
        if isinstance(node, Arith):
            return "N"
        if isinstance(node, Call) and node.name == "list_append":
            return "L"
        return None

    def _wrong_type(self, name: str, found: str) -> ValidationException:
        return self.error(
            "Incorrect operand type for operator or function; "
            f"operator or function: {name}, operand type: {found}"
        )

    def _distinct(self, op: str, first: Node, rest: tuple[Node, ...]) -> None:
        if isinstance(first, Path) and any(r == first for r in rest):
            raise self.error(
                "The first operand must be distinct from the remaining operands for this "
                f"operator or function; operator: {op}, first operand: {first.describe()}"
            )

    def check(self, node: Node) -> None:
        """Type, bound and distinctness checks, post-order."""
        if isinstance(node, (And, Or)):
            self.check(node.left)
            self.check(node.right)
        elif isinstance(node, Not):
            self.check(node.operand)
        elif isinstance(node, Call):
            for arg in node.args:
                self.check(arg)
            self._check_call(node.name, node.args)
            self._check_call_types(node)
        elif isinstance(node, Arith):
            self.check(node.left)
            self.check(node.right)
            for side in (node.left, node.right):
                found = self.operand_type(side)
                if found is not None and found != "N":
                    raise self._wrong_type(node.op, found)
        elif isinstance(node, Compare):
            self.check(node.left)
            self.check(node.right)
            self._distinct(node.op, node.left, (node.right,))
            if node.op not in ("=", "<>"):
                self._check_ordered(node.op, (node.left, node.right))
        elif isinstance(node, Between):
            for part in (node.subject, node.low, node.high):
                self.check(part)
            self._distinct("BETWEEN", node.subject, (node.low, node.high))
            self._check_ordered("BETWEEN", (node.subject, node.low, node.high))
            self._check_bounds(node.low, node.high)
        elif isinstance(node, In):
            self.check(node.subject)
            for choice in node.choices:
                self.check(choice)
            self._distinct("IN", node.subject, node.choices)

    def _check_ordered(self, op: str, operands: tuple[Node, ...]) -> None:
        """Ordering operators take numbers, strings and binaries: a value of another type
        given in the request is an error (one read from the item just compares false)."""
        for side in operands:
            found = self.operand_type(side)
            if found is not None and found not in ("N", "S", "B"):
                raise self._wrong_type(op, found)

    def _check_call_types(self, node: Call) -> None:
        name, args = node.name, node.args
        if name == "size":
            found = self.operand_type(args[0])
            if found is not None and found in ("N", "BOOL", "NULL"):
                raise self._wrong_type(name, found)
        elif name == "begins_with":
            for arg in args:
                found = self.operand_type(arg)
                if found is not None and found not in ("S", "B"):
                    raise self._wrong_type(name, found)
            self._distinct(name, args[0], args[1:])
        elif name == "contains":
            self._distinct(name, args[0], args[1:])
        elif name == "attribute_type":
            found = self.operand_type(args[1])
            if isinstance(args[1], Path):
                raise self._wrong_type(name, "PATH")
            if found is not None and found != "S":
                raise self._wrong_type(name, found)
            if isinstance(args[1], Literal) and args[1].value["S"] not in VALID_TYPES:
                raise self.error(
                    f"Invalid attribute type name found; type: {args[1].value['S']}, "
                    f"valid types: {{{','.join(VALID_TYPES)}}}"
                )
            self._distinct(name, args[0], args[1:])
        elif name == "list_append":
            for arg in args:
                found = self.operand_type(arg)
                if found is not None and found != "L":
                    raise self._wrong_type(name, found)

    def _check_bounds(self, low: Node, high: Node) -> None:
        if not (isinstance(low, Literal) and isinstance(high, Literal)):
            return
        lo, hi = low.value, high.value
        if type_of(lo) != type_of(hi):
            raise self.error(
                "The BETWEEN operator requires same data type for lower and upper bounds; "
                f"lower bound operand: {describe(lo)}, upper bound operand: {describe(hi)}"
            )
        result = order(lo, hi)
        if result is not None and result > 0:
            raise self.error(
                "The BETWEEN operator requires upper bound to be greater than or equal to lower "
                f"bound; lower bound operand: {describe(lo)}, upper bound operand: {describe(hi)}"
            )

    # -- whole expressions ------------------------------------------------------------------
    def condition(self, kind: str, tree: Node) -> Node:
        self.kind = kind
        resolved = self.node(tree)
        self.check(resolved)
        return resolved

    def update(self, tree: UpdateTree) -> UpdateTree:
        self.kind = "UpdateExpression"
        ordered = []
        for action in tree.ordered:
            path = self.path(action.path)
            if isinstance(action, RemoveAction):
                ordered.append(RemoveAction(path))
            else:
                ordered.append(type(action)(path, self.node(action.value)))
        for action in ordered:
            if isinstance(action, (AddAction, DeleteAction)):
                self._check_add_delete(action)
        check_paths(self.kind, [a.path for a in ordered])
        for action in ordered:
            if isinstance(action, SetAction):
                self.check(action.value)
        return UpdateTree(
            tuple(a for a in ordered if isinstance(a, SetAction)),
            tuple(a for a in ordered if isinstance(a, RemoveAction)),
            tuple(a for a in ordered if isinstance(a, AddAction)),
            tuple(a for a in ordered if isinstance(a, DeleteAction)),
            tuple(ordered),
        )

    def _check_add_delete(self, action: AddAction | DeleteAction) -> None:
        label = "ADD" if isinstance(action, AddAction) else "DELETE"
        allowed = ("N", "SS", "NS", "BS") if label == "ADD" else ("SS", "NS", "BS")
        found = type_of(action.value.value)
        if found not in allowed:
            raise self.error(
                "Incorrect operand type for operator or function; "
                f"operator: {label}, operand type: {TYPE_LONG_NAMES[found]}, "
                f"typeSet: ALLOWED_FOR_{label}_OPERAND"
            )

    def projection(self, tree: ProjectionTree) -> ProjectionTree:
        self.kind = "ProjectionExpression"
        paths = tuple(self.path(p) for p in tree.paths)
        check_paths(self.kind, list(paths))
        return ProjectionTree(paths)


def check_paths(kind: str, paths: list[Path]) -> None:
    """Refuse two paths where one contains the other, then two that disagree on a step."""
    for i, later in enumerate(paths):
        for earlier in paths[:i]:
            if _relation(earlier.elements, later.elements) == "overlap":
                raise ValidationException(
                    f"Invalid {kind}: Two document paths overlap with each other; must remove "
                    f"or rewrite one of these paths; path one: {earlier.describe()}, "
                    f"path two: {later.describe()}"
                )
    for i, later in enumerate(paths):
        for earlier in paths[:i]:
            if _relation(earlier.elements, later.elements) == "conflict":
                raise ValidationException(
                    f"Invalid {kind}: Two document paths conflict with each other; must remove "
                    f"or rewrite one of these paths; path one: {earlier.describe()}, "
                    f"path two: {later.describe()}"
                )


def _relation(a: tuple, b: tuple) -> str:
    for x, y in zip(a, b, strict=False):
        if isinstance(x, int) != isinstance(y, int):
            return "conflict"
        if x != y:
            return "distinct"
    return "overlap"
