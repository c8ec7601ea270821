"""JSON value kinds checked against the model, as AWS's request framework checks them.

A member of the wrong JSON kind (`{"TableName": 3}`, `{"Item": {"a": {"S": 5}}}`, a
string where a list belongs) never reaches AWS's validator: the framework's
deserializer refuses it with a `SerializationException` whose message names the JSON
token and the Java type it could not become. The messages below are DynamoDB's, as
recorded against the live service by dynalite's test helpers (`assertType` in
test/helpers.js: "NUMBER_VALUE cannot be converted to String", "Unexpected field
type", "Start of structure or map found where not expected", ...).

The same walk drops null members (a null member is an absent one) except inside
document shapes, whose values pass through verbatim.

Per shape a checker is compiled once. Containers compare each item's exact class with
the one the model expects and only call further when the item is itself a container or
of another class, so a well-typed body costs one dict lookup and one identity test per
member.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.model import Shape

from lenticular.errors import ServiceError

Check = Callable[[Any], None]
# (the class an item of this shape normally has, a walk into it when it is a container,
# what to do with an item of any other class: accept it or raise)
Kind = tuple[type | None, Check | None, Check]

_MAP_FOUND = "Start of structure or map found where not expected"
_FIELD_TYPE = "Unexpected field type"
_VALUE_TYPE = "Unexpected value type in payload"

_JAVA_TYPES = {
    "string": "java.lang.String",
    "integer": "java.lang.Integer",
    "long": "java.lang.Long",
    "boolean": "java.lang.Boolean",
    "float": "java.lang.Float",
    "double": "java.lang.Double",
    "timestamp": "java.util.Date",
    "blob": "java.nio.ByteBuffer",
}


def _error(message: str) -> ServiceError:
    return ServiceError(message, code="SerializationException", status=400)


def _token(value: Any) -> str:
    """The Jackson token name AWS's messages use for a scalar JSON value."""
    if value is True:
        return "TRUE_VALUE"
    if value is False:
        return "FALSE_VALUE"
    if isinstance(value, int):
        return "NUMBER_VALUE"
    if isinstance(value, float):
        return "DECIMAL_VALUE"
    return "STRING_VALUE"


def _scalar_slow(shape: Shape) -> Check:
    kind = shape.type_name
    java = _JAVA_TYPES.get(kind, "java.lang.Object")
    short = java.rsplit(".", 1)[-1]
    collection = f"Unrecognized collection type class {java}"

    def refuse(value: Any) -> None:
        if isinstance(value, dict):
            raise _error(_MAP_FOUND)
        if isinstance(value, list):
            raise _error(collection)
        if kind == "blob":
            raise _error("only base-64-encoded strings are convertible to bytes")
        if kind == "boolean" and isinstance(value, str):
            raise _error("Unexpected token received from parser")
        raise _error(f"{_token(value)} cannot be converted to {short}")

    if kind in ("integer", "long"):
        # A decimal where an integer belongs is truncated by AWS, not refused.
        def check_integer(value: Any) -> None:
            if value.__class__ is not float:
                refuse(value)

        return check_integer
    if kind in ("float", "double"):
        # Integers are numbers too; "NaN" and "Infinity" arrive as strings.
        def check_float(value: Any) -> None:
            if value.__class__ not in (int, float, str):
                refuse(value)

        return check_float
    if kind == "timestamp":
        # Epoch numbers or date strings: the codec reads either.
        def check_timestamp(value: Any) -> None:
            if value.__class__ not in (int, float, str):
                refuse(value)

        return check_timestamp
    return refuse


_SCALAR_CLASSES = {
    "string": str,
    "blob": str,
    "boolean": bool,
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
    "timestamp": None,  # int, float or str: always the (accepting) slow path
}


def _accept(value: Any) -> None:
    return None


class TypeCheckCompiler:
    """Compiles an input shape into a checker of a freshly decoded JSON body.

    `namespace` prefixes structure names in "Unrecognized collection type" messages
    (DynamoDB's Java package, "com.amazonaws.dynamodb.v20120810.").
    """

    def __init__(self, namespace: str = "") -> None:
        self._namespace = namespace
        self._deep: dict[str, Check] = {}

    def compile(self, shape: Shape | None) -> Check | None:
        """A checker for a body of `shape` (a structure); None if there is no input."""
        if shape is None or shape.type_name != "structure":
            return None
        return self._deep_check(shape)

    def _java(self, shape: Shape) -> str:
        if shape.type_name == "structure":
            return self._namespace + shape.name
        if shape.type_name == "list":
            return "java.util.List"
        if shape.type_name == "map":
            return "java.util.Map"
        return _JAVA_TYPES.get(shape.type_name, "java.lang.Object")

    def _kind(self, shape: Shape, field: bool) -> Kind:
        """How to check an item of `shape` as a structure member (`field`) or as a list
        or map value."""
        kind = shape.type_name
        if shape.metadata.get("document"):
            return (None, None, _accept)
        if kind == "structure":
            collection = f"Unrecognized collection type class {self._java(shape)}"
            scalar = _FIELD_TYPE if field else _VALUE_TYPE
            return (dict, self._deep_check(shape), _container_slow(collection, scalar))
        if kind == "list":
            return (list, self._deep_check(shape), _container_slow(_FIELD_TYPE, _FIELD_TYPE))
        if kind == "map":
            value = self._java(shape.value)
            collection = f"Unrecognized collection type java.util.Map<java.lang.String, {value}>"
            return (dict, self._deep_check(shape), _container_slow(collection, _FIELD_TYPE))
        return (_SCALAR_CLASSES.get(kind, str), None, _scalar_slow(shape))

    def _deep_check(self, shape: Shape) -> Check:
        """A walk into a container of `shape` whose own class is already right."""
        built = self._deep.get(shape.name)
        if built is not None:
            return built
        cell: list[Any] = [None]

        def forward(value: Any) -> None:  # stands in while a recursive shape compiles
            cell[0](value)

        self._deep[shape.name] = forward
        if shape.type_name == "structure":
            built = self._structure(shape)
        elif shape.type_name == "list":
            kind = self._kind(shape.member, field=False)
            built = _list_check(kind)
        else:
            kind = self._kind(shape.value, field=False)
            built = _map_check(kind)
        cell[0] = built
        self._deep[shape.name] = built
        return built

    def _structure(self, shape: Shape) -> Check:
        members: dict[str, Kind] = {}
        for name, member in shape.members.items():
            members[member.serialization.get("name", name)] = self._kind(member, field=True)
        get = members.get
        # Members whose items need no walk: a matching class settles them at once.
        scalar = {key: kind[0] for key, kind in members.items() if kind[1] is None and kind[0]}
        quick = scalar.get

        def check_structure(value: dict[str, Any]) -> None:
            nulls = None
            for key, item in value.items():
                if item.__class__ is quick(key):
                    continue
                kind = get(key)
                if kind is None:
                    if item is None:
                        nulls = [key] if nulls is None else [*nulls, key]
                    continue
                cls, deep, slow = kind
                if item.__class__ is cls:
                    if deep is not None:
                        deep(item)
                elif item is None:
                    nulls = [key] if nulls is None else [*nulls, key]
                else:
                    slow(item)
            if nulls is not None:
                for key in nulls:
                    del value[key]

        return check_structure


def _container_slow(collection: str, scalar: str, mapping: str = _MAP_FOUND) -> Check:
    """Refuses an item where a container belongs: a list (`collection`), an object
    (`mapping`, for lists) or a scalar (`scalar`)."""

    def refuse(value: Any) -> None:
        if isinstance(value, list):
            raise _error(collection)
        if isinstance(value, dict):
            raise _error(mapping)
        raise _error(scalar)

    return refuse


def _list_check(kind: Kind) -> Check:
    cls, deep, slow = kind
    if deep is None:

        def check_scalars(value: list[Any]) -> None:
            for item in value:
                if item.__class__ is not cls and item is not None:
                    slow(item)

        return check_scalars

    def check_list(value: list[Any]) -> None:
        for item in value:
            if item.__class__ is cls:
                deep(item)
            elif item is not None:
                slow(item)

    return check_list


def _map_check(kind: Kind) -> Check:
    cls, deep, slow = kind

    def check_map(value: dict[str, Any]) -> None:
        nulls = None
        for key, item in value.items():
            if item.__class__ is cls:
                if deep is not None:
                    deep(item)
            elif item is None:
                nulls = [key] if nulls is None else [*nulls, key]
            else:
                slow(item)
        if nulls is not None:
            for key in nulls:
                del value[key]

    return check_map


# Scalar kinds whose validation test (validate.py `_quick_scalar`) passes only JSON values
# the checker above also accepts: a str for strings, an int for integers and longs, a
# bool, an int or float for floats; timestamps and blobs it passes only as datetime and
# bytes, which a freshly decoded body never holds (so a pass also means the codec has
# nothing to convert).
_VOUCHED_SCALARS = frozenset(
    ("string", "boolean", "integer", "long", "float", "double", "timestamp", "blob")
)


def validation_implies_kinds(shape: Shape | None) -> bool:
    """Whether a decoded body without nulls that passes validation's quick test of
    `shape` certainly passes this module's checker too, so the checker may be skipped:
    each member the quick test inspects is one the checker knows by the same name, and
    the quick test accepts only classes the checker accepts."""
    return shape is not None and _implies(shape, set())


def _implies(shape: Shape, seen: set[str]) -> bool:
    if shape.serialization.get("jsonvalue"):
        return False  # the quick test accepts anything; the checker wants a string
    if shape.metadata.get("document") or shape.name in seen:
        return True
    kind = shape.type_name
    if kind == "structure":
        seen.add(shape.name)
        return all(
            member.serialization.get("name", name) == name and _implies(member, seen)
            for name, member in shape.members.items()
        )
    if kind == "list":
        seen.add(shape.name)
        return _implies(shape.member, seen)
    if kind == "map":
        seen.add(shape.name)
        return _implies(shape.value, seen)
    return kind in _VOUCHED_SCALARS
