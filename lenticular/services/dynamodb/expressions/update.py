"""Stage 4: applying a resolved UpdateExpression (or legacy AttributeUpdates) to an item.

Every right-hand side is computed from the item as it was before the update, then the
actions are applied to a copy, copying only the maps and lists along the changed paths.
Any error raises before the caller sees a result, so an update is all-or-nothing.
"""

from __future__ import annotations

from ..errors import ValidationException
from . import numbers
from .ast import (
    AddAction,
    Arith,
    Call,
    DeleteAction,
    Literal,
    Node,
    Path,
    RemoveAction,
    UpdateTree,
    ValueRef,
)
from .evaluate import get_path
from .values import set_difference, set_union, type_of

INVALID_PATH = "The document path provided in the update expression is invalid for update"
WRONG_TYPE = "An operand in the update expression has an incorrect data type"
MISSING = "The provided expression refers to an attribute that does not exist in the item"
LEGACY_WRONG_TYPE = "Type mismatch for attribute to update"


def value_of(node: Node, item: dict, values: dict) -> dict:
    """A SET right-hand side, computed against the original item."""
    if isinstance(node, ValueRef):
        return values[node.ref]
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Path):
        value = get_path(item, node.elements)
        if value is None:
            raise ValidationException(MISSING)
        return value
    if isinstance(node, Arith):
        left, right = value_of(node.left, item, values), value_of(node.right, item, values)
        if "N" not in left or "N" not in right:
            raise ValidationException(WRONG_TYPE)
        combine = numbers.add if node.op == "+" else numbers.subtract
        return {"N": combine(left["N"], right["N"])}
    if isinstance(node, Call):
        if node.name == "if_not_exists":
            existing = get_path(item, node.args[0].elements)
            return existing if existing is not None else value_of(node.args[1], item, values)
        if node.name == "list_append":
            left, right = value_of(node.args[0], item, values), value_of(node.args[1], item, values)
            if "L" not in left or "L" not in right:
                raise ValidationException(WRONG_TYPE)
            return {"L": left["L"] + right["L"]}
    raise ValidationException(WRONG_TYPE)


class _Writer:
    """Copy-on-write access to an item: containers are copied once, on first change."""

    def __init__(self, item: dict) -> None:
        self.root = dict(item)
        self._fresh: set[int] = set()

    def _own(self, holder, key) -> dict:
        value = holder[key]
        if id(value) not in self._fresh:
            kind = type_of(value)
            if kind == "M":
                value = {"M": dict(value["M"])}
            elif kind == "L":
                value = {"L": list(value["L"])}
            else:
                return value
            holder[key] = value
            self._fresh.add(id(value))
        return value

    def parent(self, elements: tuple) -> dict | list | None:
        """The mutable container holding the last step, or None if the path is unusable."""
        holder: dict | list = self.root
        steps = elements[:-1]
        if steps and steps[0] not in holder:
            return None
        for i, step in enumerate(steps):
            if isinstance(holder, list) and step >= len(holder):
                return None
            if isinstance(holder, dict) and step not in holder:
                return None
            value = self._own(holder, step)
            nxt = elements[i + 1]
            if isinstance(nxt, int):
                if type_of(value) != "L":
                    return None
                holder = value["L"]
            else:
                if type_of(value) != "M":
                    return None
                holder = value["M"]
        return holder

    def put(self, elements: tuple, value: dict) -> None:
        holder = self.parent(elements)
        if holder is None:
            raise ValidationException(INVALID_PATH)
        last = elements[-1]
        if isinstance(holder, list):
            if last < len(holder):
                holder[last] = value
            else:
                holder.append(value)
        else:
            holder[last] = value

    def remove(self, elements: tuple) -> None:
        holder = self.parent(elements)
        if holder is None:
            if len(elements) == 1:
                return
            raise ValidationException(INVALID_PATH)
        last = elements[-1]
        if isinstance(holder, list):
            if last < len(holder):
                del holder[last]
        else:
            holder.pop(last, None)


def _index_order(elements: tuple) -> tuple:
    return tuple((1, e) if isinstance(e, int) else (0, e) for e in elements)


def _remove_order(action: RemoveAction) -> tuple:
    # Higher list indexes first, so removing a[1] does not shift a[3] out from under us.
    return _index_order(action.path.elements)


def apply_update(tree: UpdateTree, item: dict, values: dict, *, legacy: bool = False) -> dict:
    """A new item with the update applied; `item` is left untouched."""
    wrong_type = LEGACY_WRONG_TYPE if legacy else WRONG_TYPE
    computed = [(a.path.elements, value_of(a.value, item, values)) for a in tree.sets]
    # Several SETs past a list's end append in order of their indexes, not of the text.
    computed.sort(key=lambda pair: _index_order(pair[0]))
    writer = _Writer(item)
    for elements, value in computed:
        writer.put(elements, value)
    for action in sorted(tree.removes, key=_remove_order, reverse=True):
        writer.remove(action.path.elements)
    for action in tree.adds:
        _add(writer, item, action, value_of(action.value, item, values), wrong_type)
    for action in tree.deletes:
        _delete(writer, item, action, value_of(action.value, item, values), wrong_type)
    return writer.root


def _add(writer: _Writer, item: dict, action: AddAction, value: dict, wrong_type: str) -> None:
    elements = action.path.elements
    existing = get_path(item, elements)
    kind = type_of(value)
    if existing is None:
        writer.put(elements, value)
        return
    if type_of(existing) != kind:
        raise ValidationException(wrong_type)
    if kind == "N":
        writer.put(elements, {"N": numbers.add(existing["N"], value["N"])})
    elif kind == "L":  # legacy AttributeUpdates ADD appends to lists
        writer.put(elements, {"L": existing["L"] + value["L"]})
    else:
        writer.put(elements, {kind: set_union(kind, existing[kind], value[kind])})


def _delete(
    writer: _Writer, item: dict, action: DeleteAction, value: dict, wrong_type: str
) -> None:
    elements = action.path.elements
    existing = get_path(item, elements)
    if existing is None:
        if len(elements) > 1 and writer.parent(elements) is None:
            raise ValidationException(INVALID_PATH)
        return
    kind = type_of(value)
    if type_of(existing) != kind:
        raise ValidationException(wrong_type)
    remaining = set_difference(kind, existing[kind], value[kind])
    if remaining:
        writer.put(elements, {kind: remaining})
    else:
        writer.remove(elements)
