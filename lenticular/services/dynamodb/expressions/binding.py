"""The per-request fast path: cached bindings of parsed expressions to attribute names.

Resolving references and re-running the semantic checks is most of the cost of a simple
expression, and most requests repeat the same text with new values. A binding is the
parsed tree with its #names substituted and its :values left as references (looked up
when evaluating). It is cached per (grammar, text, the names used, the type of every
value whose type decides a check, the content of every value whose content does). A miss,
which includes every request that is going to fail, takes the full path in resolve.py,
so error messages and their order are always the full path's.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

from .ast import (
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
from .values import type_of


@dataclass(frozen=True, slots=True)
class Sites:
    """The references an expression makes, in source order, deduplicated."""

    name_refs: tuple[str, ...]
    value_refs: tuple[str, ...]
    typed_refs: tuple[str, ...]  # values whose type decides a check (function operands, +, ADD)
    exact_refs: tuple[str, ...]  # values whose content decides one (BETWEEN, attribute_type)


class _Collector:
    def __init__(self) -> None:
        self.names: dict[str, None] = {}
        self.values: dict[str, None] = {}
        self.typed: dict[str, None] = {}
        self.exact: dict[str, None] = {}

    def path(self, path: Path) -> None:
        for element in path.elements:
            if isinstance(element, NameRef):
                self.names[element.ref] = None

    def node(self, node: Node, typed: bool = False, exact: bool = False) -> None:
        if isinstance(node, Path):
            self.path(node)
        elif isinstance(node, ValueRef):
            self.values[node.ref] = None
            if typed:
                self.typed[node.ref] = None
            if exact:
                self.exact[node.ref] = None
        elif isinstance(node, Call):
            for i, arg in enumerate(node.args):
                self.node(
                    arg,
                    typed=node.name in ("size", "begins_with", "list_append", "attribute_type"),
                    exact=node.name == "attribute_type" and i == 1,
                )
        elif isinstance(node, Arith):
            self.node(node.left, typed=True)
            self.node(node.right, typed=True)
        elif isinstance(node, Compare):  # <, <=, >, >= refuse some types of value
            ordering = node.op not in ("=", "<>")
            self.node(node.left, typed=ordering)
            self.node(node.right, typed=ordering)
        elif isinstance(node, (And, Or)):
            self.node(node.left)
            self.node(node.right)
        elif isinstance(node, Not):
            self.node(node.operand)
        elif isinstance(node, Between):
            self.node(node.subject, typed=True)
            self.node(node.low, exact=True)
            self.node(node.high, exact=True)
        elif isinstance(node, In):
            self.node(node.subject)
            for choice in node.choices:
                self.node(choice)


def sites(tree: Node | UpdateTree | ProjectionTree) -> Sites:
    collect = _Collector()
    if isinstance(tree, UpdateTree):
        for action in tree.ordered:
            collect.path(action.path)
            if isinstance(action, SetAction):
                collect.node(action.value)
            elif isinstance(action, (AddAction, DeleteAction)):
                collect.node(action.value, typed=True)
    elif isinstance(tree, ProjectionTree):
        for path in tree.paths:
            collect.path(path)
    else:
        collect.node(tree)
    return Sites(
        tuple(collect.names), tuple(collect.values), tuple(collect.typed), tuple(collect.exact)
    )


def signature(found: Sites, names: dict | None, values: dict | None) -> tuple | None:
    """The cache key part that depends on this request, or None to take the full path."""
    bound_names = []
    for ref in found.name_refs:
        name = names.get(ref) if names else None
        if name is None:
            return None
        bound_names.append(name)
    if found.value_refs:
        if not values:
            return None
        for ref in found.value_refs:
            if ref not in values:
                return None
    types = tuple(type_of(values[ref]) for ref in found.typed_refs) if found.typed_refs else ()
    exact = []
    for ref in found.exact_refs:
        value = values[ref]
        kind = type_of(value)
        if kind not in ("S", "N", "B"):
            return None
        exact.append((kind, value[kind]))
    return tuple(bound_names), types, tuple(exact)


def bind_path(path: Path, names: dict[str, str]) -> Path:
    if not any(isinstance(e, NameRef) for e in path.elements):
        return path
    return Path(tuple(names[e.ref] if isinstance(e, NameRef) else e for e in path.elements))


def bind(node: Node, names: dict[str, str]) -> Node:
    """The tree with its #names substituted; :values stay references."""
    if isinstance(node, Path):
        return bind_path(node, names)
    if isinstance(node, Call):
        return Call(node.name, tuple(bind(a, names) for a in node.args))
    if isinstance(node, (Arith, Compare)):
        return type(node)(node.op, bind(node.left, names), bind(node.right, names))
    if isinstance(node, (And, Or)):
        return type(node)(bind(node.left, names), bind(node.right, names))
    if isinstance(node, Not):
        return Not(bind(node.operand, names))
    if isinstance(node, Between):
        return Between(bind(node.subject, names), bind(node.low, names), bind(node.high, names))
    if isinstance(node, In):
        return In(bind(node.subject, names), tuple(bind(c, names) for c in node.choices))
    return node


def bind_update(tree: UpdateTree, names: dict[str, str]) -> UpdateTree:
    ordered = []
    for action in tree.ordered:
        path = bind_path(action.path, names)
        if isinstance(action, RemoveAction):
            ordered.append(RemoveAction(path))
        else:
            ordered.append(type(action)(path, bind(action.value, names)))
    return UpdateTree(
        tuple(a for a in ordered if isinstance(a, SetAction)),
        tuple(a for a in ordered if isinstance(a, RemoveAction)),
        tuple(a for a in ordered if isinstance(a, AddAction)),
        tuple(a for a in ordered if isinstance(a, DeleteAction)),
        tuple(ordered),
    )


class BoundedCache:
    """A small thread-safe LRU map."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
