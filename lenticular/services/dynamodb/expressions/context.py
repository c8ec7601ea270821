"""The public face of the engine: one `ExpressionContext` per request.

    ExpressionContext(names, values)
      .condition(text) / .filter(text)   -> Condition      (matches(item))
      .key_condition(text, hash_key=, range_key=) -> KeyCondition
      .update(text)                      -> Update         (apply(item), updated_paths_view(item))
      .projection(text)                  -> Projection     (apply(item))
      .finish()                          unused names/values are errors

Parsing and the text-only checks are cached per (grammar, text) in a bounded LRU; bound
trees (names substituted, values looked up when evaluating) are cached per (grammar, text,
names used, types of the values that matter) — see binding.py. A request that misses, or
that will fail, takes the full resolution path, so its error is exactly DynamoDB's.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..errors import ValidationException
from ..values import BadValue, check_value
from . import binding, parser, validate
from .ast import Node, Path, ProjectionTree, UpdateTree
from .binding import BoundedCache, Sites, sites
from .evaluate import matches, plan, project
from .key_condition import KeyCondition, key_condition
from .resolve import Resolver
from .update import apply_update

_NAME_KEY = re.compile(r"#[A-Za-z0-9_]+\Z")
_VALUE_KEY = re.compile(r":[A-Za-z0-9_]+\Z")
CACHE_SIZE = 4096


@lru_cache(maxsize=CACHE_SIZE)
def _parsed_condition(kind: str, text: str) -> tuple[Node, Sites]:
    tree, facts = parser.parse_condition(kind, text)
    validate.check_condition(kind, tree, facts)
    return tree, sites(tree)


@lru_cache(maxsize=CACHE_SIZE)
def _parsed_update(text: str) -> tuple[UpdateTree, Sites]:
    tree, facts = parser.parse_update(text)
    validate.check_update(tree, facts)
    return tree, sites(tree)


@lru_cache(maxsize=CACHE_SIZE)
def _parsed_projection(text: str) -> tuple[ProjectionTree, Sites]:
    tree, facts = parser.parse_projection(text)
    validate.check_projection(facts)
    return tree, sites(tree)


_BOUND = BoundedCache(CACHE_SIZE)  # (grammar, text, signature) -> bound tree / Projection


class Condition:
    """A ConditionExpression/FilterExpression (or legacy Expected/QueryFilter/ScanFilter)."""

    __slots__ = ("tree", "_values")

    def __init__(self, tree: Node | None, values: dict | None = None) -> None:
        self.tree = tree  # None: matches everything (an empty legacy condition)
        self._values = values or {}

    def matches(self, item: dict[str, dict] | None) -> bool:
        if self.tree is None:
            return True
        return matches(self.tree, item or {}, self._values)


class _UpdatePlan:
    """What an update needs besides its values; shared through the binding cache."""

    __slots__ = ("tree", "touched", "view")

    def __init__(self, tree: UpdateTree) -> None:
        self.tree = tree
        paths = [action.path for action in tree.ordered]
        self.touched = frozenset(str(p.elements[0]) for p in paths)
        self.view = plan(paths)


class Update:
    """An UpdateExpression (or legacy AttributeUpdates), resolved and validated."""

    __slots__ = ("_plan", "_values", "_legacy", "touched_top_level")

    def __init__(
        self, tree: UpdateTree | _UpdatePlan, values: dict | None = None, *, legacy: bool = False
    ) -> None:
        self._plan = tree if isinstance(tree, _UpdatePlan) else _UpdatePlan(tree)
        self._values = values or {}
        self._legacy = legacy
        # top-level attribute names the update sets/removes (callers refuse key attributes)
        self.touched_top_level: frozenset[str] = self._plan.touched

    @property
    def tree(self) -> UpdateTree:
        return self._plan.tree

    def apply(self, item: dict[str, dict]) -> dict[str, dict]:
        """A new item; raises ValidationException (and changes nothing) on type errors."""
        return apply_update(self._plan.tree, item or {}, self._values, legacy=self._legacy)

    def updated_paths_view(self, item: dict) -> dict:
        """The item projected to the paths this update touches (UPDATED_OLD/UPDATED_NEW)."""
        return project(item or {}, self._plan.view)


class Projection:
    """A ProjectionExpression (or legacy AttributesToGet)."""

    __slots__ = ("paths", "_plan", "top_level")

    def __init__(self, paths: tuple[Path, ...]) -> None:
        self.paths = paths
        self._plan = plan(paths)
        self.top_level: frozenset[str] = frozenset(str(p.elements[0]) for p in paths)

    def apply(self, item: dict) -> dict:
        return project(item or {}, self._plan)


class ExpressionContext:
    """Parses the expressions of ONE request against its ExpressionAttributeNames/Values."""

    def __init__(self, names: dict[str, str] | None, values: dict[str, dict] | None) -> None:
        if names is not None:
            if not names:
                raise ValidationException("ExpressionAttributeNames must not be empty")
            for key in names:
                if not _NAME_KEY.match(key):
                    raise ValidationException(
                        f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{key}"'
                    )
            for key, name in names.items():
                if not name:
                    raise ValidationException(
                        f"ExpressionAttributeNames contains invalid value: Empty attribute name"
                        f" for key {key}"
                    )
        if values is not None:
            if not values:
                raise ValidationException("ExpressionAttributeValues must not be empty")
            for key in values:
                if not _VALUE_KEY.match(key):
                    raise ValidationException(
                        f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{key}"'
                    )
            for key, value in values.items():
                try:
                    check_value(value)
                except BadValue as bad:
                    raise ValidationException(
                        "ExpressionAttributeValues contains invalid value: "
                        f"{bad.error().message} for key {key}"
                    ) from None
        self._names = names
        self._values = values
        self._resolver = Resolver(names, values)

    def _hit(self, key: tuple, found: Sites):
        bound = _BOUND.get(key)
        if bound is not None:
            self._resolver.used_names.update(found.name_refs)
            self._resolver.used_values.update(found.value_refs)
        return bound

    def condition(self, text: str, *, kind: str = "ConditionExpression") -> Condition:
        """A ConditionExpression (or, with kind="FilterExpression", a FilterExpression)."""
        tree, found = _parsed_condition(kind, text)
        signature = binding.signature(found, self._names, self._values)
        key = (kind, text, signature)
        bound = self._hit(key, found) if signature is not None else None
        if bound is None:
            resolved = self._resolver.condition(kind, tree)  # the full path, DynamoDB's errors
            if signature is None:
                return Condition(resolved, self._values)
            bound = binding.bind(tree, dict(zip(found.name_refs, signature[0], strict=True)))
            _BOUND.put(key, bound)
        return Condition(bound, self._values)

    def filter(self, text: str) -> Condition:
        """A FilterExpression: like condition(), with "Invalid FilterExpression" messages."""
        return self.condition(text, kind="FilterExpression")

    def key_condition(
        self,
        text: str,
        *,
        hash_key: str,
        range_key: str | None,
        hash_keys: tuple[str, ...] = (),
        range_keys: tuple[str, ...] = (),
    ) -> KeyCondition:
        kind = "KeyConditionExpression"
        tree = self._resolver.condition(kind, _parsed_condition(kind, text)[0])
        return key_condition(
            tree, hash_key=hash_key, range_key=range_key, hash_keys=hash_keys,
            range_keys=range_keys,
        )  # fmt: skip

    def update(self, text: str) -> Update:
        tree, found = _parsed_update(text)
        signature = binding.signature(found, self._names, self._values)
        key = ("UpdateExpression", text, signature)
        bound = self._hit(key, found) if signature is not None else None
        if bound is None:
            resolved = self._resolver.update(tree)
            if signature is None:
                return Update(resolved, self._values)
            names = dict(zip(found.name_refs, signature[0], strict=True))
            bound = _UpdatePlan(binding.bind_update(tree, names))
            _BOUND.put(key, bound)
        return Update(bound, self._values)

    def projection(self, text: str) -> Projection:
        tree, found = _parsed_projection(text)
        signature = binding.signature(found, self._names, None)
        key = ("ProjectionExpression", text, signature)
        bound = self._hit(key, found) if signature is not None else None
        if bound is None:
            bound = Projection(self._resolver.projection(tree).paths)
            if signature is not None:
                _BOUND.put(key, bound)
        return bound

    def finish(self) -> None:
        """Every supplied name and value must have been used by some expression."""
        if self._names:
            unused = [k for k in self._names if k not in self._resolver.used_names]
            if unused:
                raise ValidationException(
                    "Value provided in ExpressionAttributeNames unused in expressions: "
                    f"keys: {{{', '.join(unused)}}}"
                )
        if self._values:
            unused = [k for k in self._values if k not in self._resolver.used_values]
            if unused:
                raise ValidationException(
                    "Value provided in ExpressionAttributeValues unused in expressions: "
                    f"keys: {{{', '.join(unused)}}}"
                )
