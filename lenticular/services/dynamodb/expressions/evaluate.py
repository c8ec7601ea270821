"""Stage 4: evaluating resolved conditions and projections against items.

Items are wire-shaped dicts and are never modified here. Operands evaluate to an
AttributeValue or None (absent); any comparison with an absent or mismatched operand is
false, except `<>`, which is true (DynamoDB: "not equal" includes "not there").
"""

from __future__ import annotations

from .ast import And, Between, Call, Compare, In, Literal, Node, Not, Or, Path, ValueRef
from .values import SET_ELEMENT, as_bytes, equal, order, set_contains, size, type_of


def get_path(item: dict, elements: tuple) -> dict | None:
    """The value at a resolved document path, or None when any step is missing."""
    value = item.get(elements[0])
    for step in elements[1:]:
        if value is None:
            return None
        if isinstance(step, int):
            items = value.get("L")
            if items is None or step >= len(items):
                return None
            value = items[step]
        else:
            members = value.get("M")
            if members is None:
                return None
            value = members.get(step)
    return value


def operand(node: Node, item: dict, values: dict) -> dict | None:
    if isinstance(node, Path):
        return get_path(item, node.elements)
    if isinstance(node, ValueRef):
        return values[node.ref]
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Call) and node.name == "size":
        value = operand(node.args[0], item, values)
        if value is None:
            return None
        length = size(value)
        return None if length is None else {"N": str(length)}
    return None


def _compare(op: str, left: dict | None, right: dict | None) -> bool:
    if left is None or right is None:
        return op == "<>"
    if op == "=":
        return equal(left, right)
    if op == "<>":
        return not equal(left, right)
    result = order(left, right)
    if result is None:
        return False
    if op == "<":
        return result < 0
    if op == "<=":
        return result <= 0
    if op == ">":
        return result > 0
    return result >= 0


def _begins_with(value: dict | None, prefix: dict | None) -> bool:
    if value is None or prefix is None:
        return False
    kind = type_of(value)
    if kind != type_of(prefix) or kind not in ("S", "B"):
        return False
    if kind == "S":
        return value["S"].startswith(prefix["S"])
    return as_bytes(value["B"]).startswith(as_bytes(prefix["B"]))


def _contains(container: dict | None, element: dict | None) -> bool:
    if container is None or element is None:
        return False
    kind = type_of(container)
    if kind == "S":
        return type_of(element) == "S" and element["S"] in container["S"]
    if kind == "B":  # a byte substring
        return type_of(element) == "B" and as_bytes(element["B"]) in as_bytes(container["B"])
    if kind in SET_ELEMENT:
        return set_contains(container[kind], SET_ELEMENT[kind], element)
    if kind == "L":
        return any(equal(x, element) for x in container["L"])
    return False


def _call(node: Call, item: dict, values: dict) -> bool:
    name, args = node.name, node.args
    if name == "attribute_exists":
        return operand(args[0], item, values) is not None
    if name == "attribute_not_exists":
        return operand(args[0], item, values) is None
    if name == "attribute_type":
        value = operand(args[0], item, values)
        wanted = operand(args[1], item, values)
        return value is not None and wanted is not None and type_of(value) == wanted.get("S")
    if name == "begins_with":
        return _begins_with(operand(args[0], item, values), operand(args[1], item, values))
    if name == "contains":
        return _contains(operand(args[0], item, values), operand(args[1], item, values))
    return False


def matches(node: Node, item: dict, values: dict) -> bool:
    """Evaluate a resolved condition tree against an item."""
    if isinstance(node, Compare):
        return _compare(
            node.op, operand(node.left, item, values), operand(node.right, item, values)
        )
    if isinstance(node, And):
        return matches(node.left, item, values) and matches(node.right, item, values)
    if isinstance(node, Or):
        return matches(node.left, item, values) or matches(node.right, item, values)
    if isinstance(node, Not):
        return not matches(node.operand, item, values)
    if isinstance(node, Call):
        return _call(node, item, values)
    if isinstance(node, Between):
        value = operand(node.subject, item, values)
        low, high = operand(node.low, item, values), operand(node.high, item, values)
        if value is None or low is None or high is None:
            return False
        above, below = order(value, low), order(value, high)
        return above is not None and below is not None and above >= 0 and below <= 0
    if isinstance(node, In):
        value = operand(node.subject, item, values)
        if value is None:
            return False
        return any(
            (choice := operand(c, item, values)) is not None and equal(value, choice)
            for c in node.choices
        )
    return False


# -- projection ------------------------------------------------------------------------------

ProjectionPlan = dict  # step -> ProjectionPlan, or True for "the whole value"


def plan(paths: tuple[Path, ...] | list[Path]) -> ProjectionPlan:
    """A tree of the requested steps; paths are already checked not to overlap."""
    root: ProjectionPlan = {}
    for path in paths:
        node = root
        *parents, last = path.elements
        for step in parents:
            node = node.setdefault(step, {})
            if node is True:
                break
        else:
            node[last] = True
    return root


def project(item: dict, root: ProjectionPlan) -> dict:
    out: dict = {}
    for name, sub in root.items():
        value = item.get(name)
        if value is None:
            continue
        picked = value if sub is True else _project_value(value, sub)
        if picked is not None:
            out[name] = picked
    return out


def _project_value(value: dict, sub: ProjectionPlan) -> dict | None:
    steps = list(sub)
    if isinstance(steps[0], int):
        items = value.get("L")
        if items is None:
            return None
        picked = []
        for index in sorted(steps):
            if index < len(items):
                inner = sub[index]
                got = items[index] if inner is True else _project_value(items[index], inner)
                if got is not None:
                    picked.append(got)
        return {"L": picked} if picked else None
    members = value.get("M")
    if members is None:
        return None
    picked_map = {}
    for key in steps:
        if key in members:
            inner = sub[key]
            got = members[key] if inner is True else _project_value(members[key], inner)
            if got is not None:
                picked_map[key] = got
    return {"M": picked_map} if picked_map else None
